// One supervisor per state directory: an flock on DIR/lock holding the pid.
// The kernel drops the lock when its holder dies, so a lock left by a killed
// ckwrap never blocks the next run.
#pragma once

#include <string>

#include "base/status.h"
#include "store/directory.h"

namespace ckwrap {

class StateLock {
 public:
  StateLock() = default;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

  // Fails at once (no waiting) if another process holds the lock, naming its
  // pid, or saying it is starting when it has not written its pid yet. The
  // lock file is opened relative to dir, never through a link, and must be a
  // regular file with one link before ckwrap rewrites it.
  Status Acquire(const Directory& dir);

 private:
  int fd_ = -1;
};

// The pid holding DIR's lock, or 0 if none does (for `status`).
int LockHolderPid(const std::string& dir);

// Creates DIR and its missing parents, mode 0700; refuses a DIR that is a
// symbolic link or not a directory.
Status MakeDirectories(const std::string& dir);

// Opens an existing state directory for a run or a reset: never through a
// symlink, and refused unless CheckPrivate passes (owned by us, not writable
// by group or others). The path leading to it is trusted (man/ckwrap.1, STATE
// DIRECTORY): its parents are not checked.
Status OpenStateDir(const std::string& dir, Directory* out);

}  // namespace ckwrap
