#include "store/replica_plan.h"

#include <functional>
#include <map>
#include <set>

namespace ckwrap {
namespace {

// What the listing holds of one generation.
struct Found {
  bool snapshot = false;
  std::set<uint64_t> pieces;  // sequence numbers
};

using ByGeneration = std::map<uint64_t, Found, std::greater<uint64_t>>;  // newest first

ByGeneration Classify(const ReplicaLocation& at, const std::vector<std::string>& keys) {
  ByGeneration found;
  for (const std::string& key : keys) {
    ReplicaObject type;
    uint64_t generation = 0, sequence = 0;
    if (!ParseReplicaKey(at, key, &type, &generation, &sequence)) continue;
    if (type == ReplicaObject::kSnapshot) {
      found[generation].snapshot = true;
    } else {
      found[generation].pieces.insert(sequence);
    }
  }
  return found;
}

// Pieces 1, 2, ... while consecutive; the rest counted as past the gap.
ReplicaGeneration Generation(const ReplicaLocation& at, uint64_t generation, const Found& found) {
  ReplicaGeneration out;
  out.generation = generation;
  out.snapshot_key = ReplicaSnapshotKey(at, generation);
  uint64_t next = 1;
  for (uint64_t sequence : found.pieces) {  // ascending
    if (sequence == next) {
      out.journal_keys.push_back(ReplicaJournalKey(at, generation, sequence));
      ++next;
    } else {
      ++out.pieces_after_gap;
    }
  }
  return out;
}

}  // namespace

ReplicaPlan PlanReplicaRestore(const ReplicaLocation& at, const std::vector<std::string>& keys) {
  ReplicaPlan plan;
  for (const auto& [generation, found] : Classify(at, keys)) {
    if (found.snapshot) {
      plan.generations.push_back(Generation(at, generation, found));
    } else {
      plan.orphan_journals.push_back(generation);
    }
  }
  return plan;
}

}  // namespace ckwrap
