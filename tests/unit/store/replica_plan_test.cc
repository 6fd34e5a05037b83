// The choice a restore makes from a replica's listing (store/replica_plan.h):
// newest snapshot first, each with the journal pieces it can replay (1, 2,
// ... to the first gap), and journals whose snapshot is missing kept apart,
// so a restore never replays pieces out of order or without their snapshot.
#include "store/replica_plan.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

const ReplicaLocation kAt{"bkt", "run/"};

std::string Snap(uint64_t g) { return ReplicaSnapshotKey(kAt, g); }
std::string Piece(uint64_t g, uint64_t s) { return ReplicaJournalKey(kAt, g, s); }

TEST_CASE("an empty listing, or one of other objects only, is an empty plan (a fresh start)") {
  CHECK(PlanReplicaRestore(kAt, {}).empty());
  CHECK(PlanReplicaRestore(kAt, {"run/lock", "run/sub/" + Snap(3).substr(4), "other/x"}).empty());
}

TEST_CASE("generations newest first, whatever the listing's order, each with its pieces in order") {
  const std::vector<std::string> keys = {Piece(4, 2), Snap(3),     Piece(4, 1), Snap(12),
                                         Snap(4),     Piece(3, 1), Piece(12, 1)};
  ReplicaPlan plan = PlanReplicaRestore(kAt, keys);
  REQUIRE(plan.generations.size() == 3);
  CHECK(plan.orphan_journals.empty());
  CHECK(plan.generations[0].generation == 12);
  CHECK(plan.generations[0].snapshot_key == Snap(12));
  CHECK(plan.generations[0].journal_keys == std::vector<std::string>{Piece(12, 1)});
  CHECK(plan.generations[1].generation == 4);
  CHECK(plan.generations[1].journal_keys == std::vector<std::string>{Piece(4, 1), Piece(4, 2)});
  CHECK(plan.generations[2].generation == 3);
}

TEST_CASE("a snapshot without pieces is a generation of its own (no journal yet)") {
  ReplicaPlan plan = PlanReplicaRestore(kAt, {Snap(5)});
  REQUIRE(plan.generations.size() == 1);
  CHECK(plan.generations[0].journal_keys.empty());
  CHECK(plan.generations[0].pieces_after_gap == 0);
}

TEST_CASE("pieces stop at the first gap; those after it are counted, never replayed") {
  ReplicaPlan plan =
      PlanReplicaRestore(kAt, {Snap(2), Piece(2, 1), Piece(2, 2), Piece(2, 4), Piece(2, 5)});
  REQUIRE(plan.generations.size() == 1);
  CHECK(plan.generations[0].journal_keys == std::vector<std::string>{Piece(2, 1), Piece(2, 2)});
  CHECK(plan.generations[0].pieces_after_gap == 2);
  // No piece 1: nothing can be replayed.
  plan = PlanReplicaRestore(kAt, {Snap(2), Piece(2, 2)});
  CHECK(plan.generations[0].journal_keys.empty());
  CHECK(plan.generations[0].pieces_after_gap == 1);
}

TEST_CASE("journal pieces without their snapshot are orphans, newest first, never replayed") {
  ReplicaPlan plan = PlanReplicaRestore(kAt, {Piece(7, 1), Snap(5), Piece(9, 1), Piece(9, 2)});
  REQUIRE(plan.generations.size() == 1);
  CHECK(plan.generations[0].generation == 5);
  CHECK(plan.orphan_journals == std::vector<uint64_t>{9, 7});
  CHECK_FALSE(plan.empty());
  CHECK_FALSE(PlanReplicaRestore(kAt, {Piece(7, 1)}).empty());
}

TEST_CASE("an empty prefix: keys at the bucket's top level") {
  const ReplicaLocation top{"bkt", ""};
  ReplicaPlan plan = PlanReplicaRestore(
      top, {ReplicaSnapshotKey(top, 1), ReplicaJournalKey(top, 1, 1), "run/" + Snap(9)});
  REQUIRE(plan.generations.size() == 1);
  CHECK(plan.generations[0].generation == 1);
  CHECK(plan.generations[0].journal_keys.size() == 1);
}

}  // namespace
}  // namespace ckwrap
