#include "base/status.h"

#include <cstring>

namespace ckwrap {

Status Status::FromErrno(const std::string& what, const std::string& path, int err) {
  return Status(what + " " + path + ": " + std::strerror(err));
}

}  // namespace ckwrap
