#include "store/file_ops.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>

namespace ckwrap {

int FileOps::Open(int dir_fd, const char* name, int flags, mode_t mode) {
  return ::openat(dir_fd, name, flags, mode);
}

ssize_t FileOps::Write(int fd, const void* buf, size_t count) { return ::write(fd, buf, count); }

int FileOps::Fsync(int fd) { return ::fsync(fd); }

int FileOps::Fdatasync(int fd) { return ::fdatasync(fd); }

int FileOps::Ftruncate(int fd, off_t length) { return ::ftruncate(fd, length); }

int FileOps::Close(int fd) { return ::close(fd); }

int FileOps::Rename(int dir_fd, const char* from, const char* to) {
  return ::renameat(dir_fd, from, dir_fd, to);
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
