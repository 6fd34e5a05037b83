#include "store/last_exit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "store/durable_file.h"
#include "store/file_ops.h"
#include "store/filenames.h"

namespace ckwrap {

void RecordLastExit(const Directory& dir, int exit_code) {
  Status status = AtomicReplace(dir, LastExitFileName(), std::to_string(exit_code) + "\n");
  if (!status.ok()) LogError(status.message());
}

void ForgetLastExit(const Directory& dir) {
  // Through the FileOps seam, as every other file of the state directory.
  if (file_ops().Unlink(dir.fd(), LastExitFileName().c_str()) != 0 && errno != ENOENT) {
    LogError("cannot remove " + dir.PathOf(LastExitFileName()) + ": " + strerror(errno));
  }
}

int ReadLastExit(const std::string& path) {
  Directory dir;
  std::string text;
  if (!Directory::Open(path, &dir, /*follow_link=*/true).ok()) return -1;
  if (!ReadWholeFileAt(dir, LastExitFileName(), 16, &text).ok()) return -1;
  char* end = nullptr;
  long code = strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || (*end != '\n' && *end != '\0') || code < 0 || code > 255) return -1;
  return static_cast<int>(code);
}

}  // namespace ckwrap
