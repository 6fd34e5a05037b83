// The generations of checkpoint files in one state directory.
//
// Files are named checkpoint.<generation> (20 zero-padded decimal digits). A
// commit writes generation N+1 with DurableReplace, then removes the older
// generations except the newest one known to verify (normally N; the loaded one
// if N was corrupt), which is kept as the fallback. Generation numbers only go
// up, past every file on disk, so a corrupt file is never overwritten.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint.h"
#include "status.h"

namespace ckwrap {

struct LoadedCheckpoint {
  bool found = false;  // false: no checkpoint file exists (a fresh start)
  Checkpoint checkpoint;
  std::string path;  // the file the checkpoint came from
  // One message per newer generation that failed to verify, naming the file
  // and the reason; non-empty means Load fell back to an older generation.
  std::vector<std::string> warnings;
};

class CheckpointStore {
 public:
  explicit CheckpointStore(std::string dir);

  // Loads the newest generation that verifies. Read-only: safe beside a
  // running supervisor (inspect, status).
  // If checkpoint files exist and none verifies, returns an error naming every
  // file and its reason: never a silent fresh start.
  Status Load(LoadedCheckpoint* out);

  // Removes temp files a crashed commit left. Only for the lock holder: a
  // temp file may be a commit in progress.
  void RemoveTempFiles();

  // Durably writes encoded checkpoint bytes as the next generation, then prunes.
  // Not thread-safe: at most one Commit in flight (it may run on a worker thread).
  Status Commit(const std::string& encoded);

  // Removes every checkpoint file (ckwrap reset).
  Status Reset();

  const std::string& dir() const { return dir_; }
  uint64_t generation() const { return generation_; }

 private:
  std::string dir_;
  uint64_t generation_ = 0;  // newest generation on disk
  // Newest generation known to verify (loaded or committed by us); 0 if none.
  uint64_t last_good_ = 0;
};

}  // namespace ckwrap
