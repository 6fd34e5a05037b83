// A state directory filled from its replica (--replicate; man/ckwrap-
// checkpoint.5, REPLICATION), for a run that found no checkpoint file: the
// newest remote generation that verifies is downloaded under its local
// names and loaded as a local one would be.
//
// Generations are tried newest first (store/replica_plan.h). A snapshot that
// fails the local files' rules (magic, version, length, checksum:
// DecodeCheckpoint) is refused: written aside as checkpoint.<G>.rejected,
// out of Load's sight, and the previous generation is tried. One that
// verifies is written with its journal pieces concatenated as journal.<G>,
// the journal first and the snapshot last (durably, relative to the
// directory's descriptor): a crash between them leaves a journal without its
// snapshot, which Load refuses by name (never a silent start from less).
// Then the refused snapshots take back their names (so the run numbers its
// generations past them, as past a corrupt local file, and never creates a
// name the bucket holds), and CheckpointStore::Load verifies the directory
// by the local rules: it falls back past them with a warning each, and its
// torn-tail and damage rules apply to the journal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/checkpoint_store.h"
#include "store/replica_names.h"
#include "store/s3_client.h"

namespace ckwrap {

struct RefusedSnapshot {
  uint64_t generation = 0;
  std::string object_url;  // s3://BUCKET/KEY
  std::string reason;
};

struct RestoreResult {
  bool restored = false;  // false: the replica holds nothing (a fresh start)
  uint64_t generation = 0;
  std::string snapshot_key;
  uint64_t journal_pieces = 0;
  uint64_t pieces_after_gap = 0;  // not replayed (ReplicaGeneration)
  // One per newer snapshot refused, newest first.
  std::vector<RefusedSnapshot> refused;
};

// store: locked, its Load having found no checkpoint file. On success with
// result->restored, *loaded is what Load found. Errors: the replica could
// not be read (naming s3://BUCKET/PREFIX and the cause; the run must not
// start from nothing), no generation verifies (naming each object and why),
// journal pieces whose snapshot is missing, or Load's own error.
Status RestoreFromReplica(S3Client* client, const ReplicaLocation& at, CheckpointStore* store,
                          LoadedCheckpoint* loaded, RestoreResult* result);

}  // namespace ckwrap
