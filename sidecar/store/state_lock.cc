#include "store/state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/filenames.h"

namespace ckwrap {
namespace {

int ReadPid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  return n > 0 ? std::atoi(buf) : 0;
}

}  // namespace

StateLock::~StateLock() {
  if (fd_ >= 0) close(fd_);
}

Status StateLock::Acquire(const std::string& dir) {
  const std::string path = dir + "/" + LockFileName();
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno("cannot open lock file", path, errno);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    int holder = ReadPid(fd);
    close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Error("state directory " + dir + " is in use by another ckwrap (pid " +
                           std::to_string(holder) + ")");
    }
    return Status::FromErrno("cannot lock", path, err);
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
    int err = errno;
    close(fd);
    return Status::FromErrno("cannot write lock file", path, err);
  }
  fd_ = fd;
  return Status::Ok();
}

int LockHolderPid(const std::string& dir) {
  int fd = open((dir + "/" + LockFileName()).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int holder = 0;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) holder = ReadPid(fd);
  close(fd);
  return holder;
}

Status MakeDirectories(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::FromErrno("cannot create state directory", prefix, errno);
    }
  }
  std::string path = dir;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return Status::FromErrno("cannot use state directory", dir, errno);
  }
  // Another user who can swap the directory (a symlink, a world-writable
  // directory) could point ckwrap's writes elsewhere or replace checkpoints.
  if (S_ISLNK(st.st_mode)) {
    return Status::Error("state directory " + dir +
                         " is a symbolic link; give the directory it points to instead");
  }
  if (!S_ISDIR(st.st_mode)) return Status::Error("state directory " + dir + " is not a directory");
  if (st.st_mode & S_IWOTH) {
    char mode[8];
    snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Error("state directory " + dir + " is writable by other users (mode " + mode +
                         "); run chmod o-w on it");
  }
  return Status::Ok();
}

}  // namespace ckwrap
