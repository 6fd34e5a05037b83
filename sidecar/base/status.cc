#include "base/status.h"

#include <cerrno>
#include <cstring>

namespace ckwrap {

Status Status::FromErrno(const std::string& what, const std::string& path, int err) {
  std::string message = what + " " + path + ": " + std::strerror(err);
  return Status(err == ENOENT ? Code::kNotFound : Code::kIoError, std::move(message));
}

}  // namespace ckwrap
