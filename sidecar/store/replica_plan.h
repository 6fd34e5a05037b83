// Which objects of a replica a restore tries, chosen from a listing of its
// keys alone (no server): the generations with a snapshot, newest first,
// each with its journal pieces numbered 1, 2, ... up to the first gap
// (store/replica_names.h; man/ckwrap-checkpoint.5, REPLICATION).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/replica_names.h"

namespace ckwrap {

struct ReplicaGeneration {
  uint64_t generation = 0;
  std::string snapshot_key;
  std::vector<std::string> journal_keys;  // pieces 1..n, in order
  // Pieces numbered past the first gap: never replayed (their commits
  // would follow ones that are missing). 0 when the pieces are consecutive.
  uint64_t pieces_after_gap = 0;
};

struct ReplicaPlan {
  std::vector<ReplicaGeneration> generations;  // newest first
  // Generations that have journal pieces but no snapshot, newest first: not
  // replayable (a journal holds only the changes since its snapshot).
  std::vector<uint64_t> orphan_journals;
  bool empty() const { return generations.empty() && orphan_journals.empty(); }
};

// keys: a listing of at.prefix in any order; keys of other shapes (another
// tool's objects, a deeper prefix) are ignored.
ReplicaPlan PlanReplicaRestore(const ReplicaLocation& at, const std::vector<std::string>& keys);

}  // namespace ckwrap
