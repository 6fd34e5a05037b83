// STATE_DIR/replica: how far the bucket of --replicate is behind the local
// checkpoint, rewritten by the uploader after each attempt and read by
// `ckwrap status` (man/ckwrap.1). Derived and advisory: written with
// AtomicReplace (no fsync), one "key value" line each, unknown keys ignored.
#pragma once

#include <cstdint>
#include <string>

#include "store/directory.h"

namespace ckwrap {

struct ReplicaStatus {
  std::string url;                      // s3://BUCKET/PREFIX/
  uint64_t uploaded_generation = 0;     // 0: nothing uploaded by this run yet
  uint64_t uploaded_journal_bytes = 0;  // of that generation's journal
  int64_t uploaded_commit_unix_ms = 0;  // when the newest uploaded commit was made
  uint64_t pending_bytes = 0;           // committed locally, not in the bucket
  int64_t lag_ms = 0;                   // age of the oldest commit not in the bucket; 0: none
  int64_t updated_unix_ms = 0;          // when this was written
  bool fenced = false;                  // another writer has the prefix
  std::string last_error;               // the last attempt's error; empty when it worked
};

// Written by the uploader; an error is returned, not logged (the caller
// rate-limits it).
Status WriteReplicaStatus(const Directory& dir, const ReplicaStatus& status);
// False when the state directory has no (readable) replica file.
bool ReadReplicaStatus(const std::string& state_dir, ReplicaStatus* out);

}  // namespace ckwrap
