#include "store/directory.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace ckwrap {

Directory::~Directory() {
  if (fd_ >= 0) ::close(fd_);  // read-only descriptor: close has nothing to report
}

Directory::Directory(Directory&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

Directory& Directory::operator=(Directory&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

Status Directory::Open(const std::string& path, Directory* out, bool follow_link) {
  std::string bare = path;
  while (bare.size() > 1 && bare.back() == '/') bare.pop_back();
  const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow_link ? 0 : O_NOFOLLOW);
  int fd;
  do {
    fd = ::open(bare.c_str(), flags);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return Status::FromErrno("open directory", path, errno);
  *out = Directory();
  out->fd_ = fd;
  out->path_ = path;
  return Status::Ok();
}

std::string Directory::PathOf(std::string_view name) const {
  std::string joined = path_;
  if (joined.empty() || joined.back() != '/') joined += '/';
  return joined.append(name);
}

Status CheckPrivate(const Directory& dir) {
  struct stat st {};
  if (::fstat(dir.fd(), &st) != 0) return Status::FromErrno("stat", dir.path(), errno);
  const std::string& path = dir.path();
  const uid_t me = ::geteuid();
  if (st.st_uid != me) {
    return Status::Error("bad ownership: " + path + " is owned by uid " +
                         std::to_string(st.st_uid) + ", not by uid " + std::to_string(me) +
                         " running ckwrap; use a directory of your own, or chown " +
                         std::to_string(me) + " " + path);
  }
  const char* who = (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH) ? "group and others"
                    : (st.st_mode & S_IWGRP)                         ? "group"
                    : (st.st_mode & S_IWOTH)                         ? "others"
                                                                     : nullptr;
  if (who != nullptr) {
    return Status::Error("bad permissions: " + path + " is writable by " + who + "; chmod go-w " +
                         path);
  }
  return Status::Ok();
}

}  // namespace ckwrap
