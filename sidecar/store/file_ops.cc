#include "store/file_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>

namespace ckwrap {

int FileOps::Open(int dir_fd, const char* name, int flags, mode_t mode) {
  return ::openat(dir_fd, name, flags, mode);
}

ssize_t FileOps::Write(int fd, const void* buf, size_t count) { return ::write(fd, buf, count); }

ssize_t FileOps::Pwrite(int fd, const void* buf, size_t count, off_t offset) {
  return ::pwrite(fd, buf, count, offset);
}

int FileOps::Fsync(int fd) { return ::fsync(fd); }

int FileOps::Fdatasync(int fd) { return ::fdatasync(fd); }

int FileOps::Ftruncate(int fd, off_t length) { return ::ftruncate(fd, length); }

int FileOps::Close(int fd) { return ::close(fd); }

int FileOps::Rename(int dir_fd, const char* from, const char* to) {
  return ::renameat(dir_fd, from, dir_fd, to);
}

int FileOps::RenameNoReplace(int dir_fd, const char* from, const char* to) {
  if (::renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return -1;
  if (::linkat(dir_fd, from, dir_fd, to, 0) != 0) return -1;
  // Published; a temp name left behind as a second link is removed at the next start.
  (void)::unlinkat(dir_fd, from, 0);
  return 0;
}

int FileOps::Unlink(int dir_fd, const char* name) { return ::unlinkat(dir_fd, name, 0); }

namespace {

FileOps* RealFileOps() {
  static FileOps* real = new FileOps();  // never destroyed: usable during static teardown
  return real;
}

// nullptr means the real syscalls. Atomic because Commit may run on a worker thread.
std::atomic<FileOps*> g_file_ops{nullptr};

}  // namespace

FileOps& file_ops() {
  FileOps* ops = g_file_ops.load();
  return ops != nullptr ? *ops : *RealFileOps();
}

FileOps* SetFileOpsForTesting(FileOps* ops) {
  FileOps* previous = &file_ops();
  g_file_ops.store(ops);
  return previous;
}

}  // namespace ckwrap
