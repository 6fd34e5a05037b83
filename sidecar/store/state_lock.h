// One supervisor per state directory: an flock on DIR/lock holding the pid.
// The kernel drops the lock when its holder dies, so a lock left by a killed
// ckwrap never blocks the next run.
#pragma once

#include <string>

#include "base/status.h"

namespace ckwrap {

class StateLock {
 public:
  StateLock() = default;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

  // Fails at once (no waiting) if another process holds the lock, naming its pid.
  Status Acquire(const std::string& dir);

 private:
  int fd_ = -1;
};

// The pid holding DIR's lock, or 0 if none does (for `status`).
int LockHolderPid(const std::string& dir);

// Creates DIR and its missing parents, mode 0700.
Status MakeDirectories(const std::string& dir);

}  // namespace ckwrap
