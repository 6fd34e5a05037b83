// A state directory filled from its replica (--replicate; man/ckwrap-
// checkpoint.5, REPLICATION), for a run that found no checkpoint file: the
// newest remote generation that verifies is downloaded under its local
// names and loaded as a local one would be.
//
// Generations are tried newest first (store/replica_plan.h). A snapshot that
// fails the local files' rules (magic, version, length, checksum:
// DecodeCheckpoint) is written aside as checkpoint.<G>.rejected, for a
// human, out of Load's sight, logged naming s3://BUCKET/KEY and the reason,
// and the previous generation is tried. One that verifies is written with
// its journal pieces concatenated as journal.<G>, the journal first and the
// snapshot last (durably, relative to the directory's descriptor): a crash
// between them leaves a journal without its snapshot, which Load refuses by
// name (never a silent start from less). Then CheckpointStore::Load verifies
// both, its torn-tail and damage rules the local ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/checkpoint_store.h"
#include "store/replica_names.h"
#include "store/s3_client.h"

namespace ckwrap {

struct RestoreResult {
  bool restored = false;  // false: the replica holds nothing (a fresh start)
  uint64_t generation = 0;
  std::string snapshot_key;
  uint64_t journal_pieces = 0;
  uint64_t pieces_after_gap = 0;  // not replayed (ReplicaGeneration)
  // "s3://BUCKET/KEY: reason", one per newer snapshot refused.
  std::vector<std::string> rejected;
};

// store: locked, its Load having found no checkpoint file. On success with
// result->restored, *loaded is what Load found. Errors: the replica could
// not be read (naming s3://BUCKET/PREFIX and the cause; the run must not
// start from nothing), no generation verifies (naming each object and why),
// journal pieces whose snapshot is missing, or Load's own error.
Status RestoreFromReplica(S3Client* client, const ReplicaLocation& at, CheckpointStore* store,
                          LoadedCheckpoint* loaded, RestoreResult* result);

}  // namespace ckwrap
