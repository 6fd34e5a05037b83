// A directory held by descriptor. Every file of a state directory is opened,
// renamed and removed relative to this one descriptor (openat, O_NOFOLLOW), so
// a path swapped or a symlink planted after the directory was opened and
// checked cannot redirect a write (man/ckwrap-checkpoint.5, SECURITY).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace ckwrap {

class Directory {
 public:
  Directory() = default;
  ~Directory();
  Directory(Directory&& other) noexcept;
  Directory& operator=(Directory&& other) noexcept;
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  // Opens path itself, never through a symlink at its last component (ELOOP
  // then) unless follow_link (readers only: inspect, status). Trailing
  // slashes are ignored (they would make open follow a link).
  static Status Open(const std::string& path, Directory* out, bool follow_link = false);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // dir/name, for messages and for the child's environment: never opened.
  std::string PathOf(std::string_view name) const;

 private:
  int fd_ = -1;
  std::string path_;
};

// Refuses a directory that another user could change under us: one not owned
// by the effective user, or writable by its group or by others. The message
// says why and how to fix it, as ssh does for its keys. Checked on the open
// descriptor, so it holds for the directory every file is opened in.
Status CheckPrivate(const Directory& dir);

}  // namespace ckwrap
