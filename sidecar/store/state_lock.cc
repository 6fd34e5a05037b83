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

// The holder flocks first and writes its pid after: a loser can read the file
// in between and find no pid yet.
Status InUse(const Directory& dir, int holder) {
  std::string who = holder > 0 ? "pid " + std::to_string(holder) : "starting; no pid written yet";
  return Status::Error("state directory " + dir.path() + " is in use by another ckwrap (" + who +
                       ")");
}

// A hard link planted at the name would make the pid write land in its target.
Status CheckLockFile(int fd, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return Status::FromErrno("cannot stat lock file", path, errno);
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
    return Status::Error("lock file " + path + " is not a regular file with a single link; " +
                         "remove it");
  }
  return Status::Ok();
}

}  // namespace

StateLock::~StateLock() {
  if (fd_ >= 0) close(fd_);
}

Status StateLock::Acquire(const Directory& dir) {
  const std::string path = dir.PathOf(LockFileName());
  // O_NONBLOCK: a FIFO at the name must not block the open (CheckLockFile refuses it).
  int fd = openat(dir.fd(), LockFileName().c_str(),
                  O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno("cannot open lock file", path, errno);
  Status checked = CheckLockFile(fd, path);
  if (!checked.ok()) {
    close(fd);
    return checked;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    int holder = ReadPid(fd);
    close(fd);
    if (err == EWOULDBLOCK) return InUse(dir, holder);
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
  int fd =
      open((dir + "/" + LockFileName()).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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
  // A symlink is refused here with a clearer message than open's ELOOP.
  // Ownership and mode are checked on the opened descriptor (OpenStateDir).
  if (S_ISLNK(st.st_mode)) {
    return Status::Error("state directory " + dir +
                         " is a symbolic link; give the directory it points to instead");
  }
  if (!S_ISDIR(st.st_mode)) return Status::Error("state directory " + dir + " is not a directory");
  return Status::Ok();
}

Status OpenStateDir(const std::string& dir, Directory* out) {
  Status status = Directory::Open(dir, out);
  if (status.ok()) status = CheckPrivate(*out);
  if (!status.ok()) return Status::Error("cannot use state directory: " + status.message());
  return Status::Ok();
}

}  // namespace ckwrap
