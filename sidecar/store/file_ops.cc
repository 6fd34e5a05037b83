#include "store/file_ops.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>

namespace ckwrap {

int FileOps::Open(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }

ssize_t FileOps::Write(int fd, const void* buf, size_t count) { return ::write(fd, buf, count); }

int FileOps::Fsync(int fd) { return ::fsync(fd); }

int FileOps::Fdatasync(int fd) { return ::fdatasync(fd); }

int FileOps::Ftruncate(int fd, off_t length) { return ::ftruncate(fd, length); }

int FileOps::Close(int fd) { return ::close(fd); }

int FileOps::Rename(const char* from, const char* to) { return ::rename(from, to); }

int FileOps::Unlink(const char* path) { return ::unlink(path); }

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
