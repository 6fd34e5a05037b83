// JobState's hand-off of a large DONE batch to its side thread: whatever is
// read next, every id ends up in the set once, journaled once, and counted
// as progress exactly when it was new (job_state_commit_test.cc: commits).
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "supervise/job_state.h"
#include "supervise/job_state_test_util.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

using testing::Feed;
using testing::Replayed;

// Feeds "DONE prefix-i" for i in [from, to): enough (from 1024) to be handed off.
void FeedDones(JobState& state, const std::string& prefix, int from, int to) {
  for (int i = from; i < to; ++i) {
    const std::string line = "DONE " + prefix + "-" + std::to_string(i);
    Feed(state, line);
  }
}

DoneSet Ids(const std::string& prefix, int from, int to) {
  DoneSet ids;
  for (int i = from; i < to; ++i) ids.insert(prefix + "-" + std::to_string(i));
  return ids;
}

TEST_SUITE_BEGIN("supervise/job_state_handoff");

TEST_CASE("Handed-off ids are in the count, the status, the checkpoint and the next commit") {
  JobState state{Checkpoint{}};
  state.BeginRun();
  FeedDones(state, "a", 0, 5000);
  const size_t read = state.PendingBytes();
  state.HandOffDoneBatch();
  CHECK(state.PendingBytes() >= read);  // held while the side thread has them
  FeedDones(state, "b", 0, 3000);       // parsed meanwhile
  CHECK(state.DoneCount() == 5000);     // waits for the side thread
  CHECK(state.progressed());
  state.HandOffDoneBatch();
  CHECK(state.Snapshot().done == 8000);
  state.HandOffDoneBatch();  // nothing new: a no-op
  CHECK(state.checkpoint().done.size() == 8000);
  CommitRequest request = state.TakeCommit(false, true, 1);
  DoneSet all = Ids("a", 0, 5000);
  DoneSet b = Ids("b", 0, 3000);
  all.merge(b);
  CHECK(Replayed(request).done == all);
}

TEST_CASE(
    "A repeated id is journaled once, whether it is in the same, an earlier or a later batch") {
  JobState state{Checkpoint{}};
  FeedDones(state, "a", 0, 2000);
  FeedDones(state, "a", 1500, 2500);  // 500 repeated in the same batch
  state.HandOffDoneBatch();
  FeedDones(state, "a", 2000, 4000);  // 500 of the batch on the side thread
  state.HandOffDoneBatch();
  FeedDones(state, "a", 0, 10);  // a small batch (or one still waiting for the side thread)
  state.HandOffDoneBatch();
  state.FlushDoneBatch();  // the batch may be waiting for the side thread: DoneCount leaves it out
  CHECK(state.DoneCount() == 4000);
  CHECK(Replayed(state.TakeCommit(false, true, 1)).done == Ids("a", 0, 4000));

  // Only repeats: no progress, nothing journaled.
  state.BeginRun();
  FeedDones(state, "a", 0, 3000);
  state.HandOffDoneBatch();
  CommitRequest again = state.TakeCommit(false, true, 2);
  CHECK_FALSE(state.progressed());
  CHECK(Replayed(again).done.empty());
}

TEST_CASE("A FAIL or STATE read while a batch is on the side thread journals after its ids") {
  JobState state{Checkpoint{}};
  FeedDones(state, "a", 0, 2000);
  state.HandOffDoneBatch();
  Feed(state, "FAIL x broken");
  Feed(state, "STATE cursor 7");
  FeedDones(state, "a", 2000, 2100);
  Checkpoint replayed = Replayed(state.TakeCommit(false, true, 1));
  CHECK(replayed.done == Ids("a", 0, 2100));
  REQUIRE(replayed.failures.Find("x") != nullptr);
  CHECK(replayed.failures.Find("x")->reason == "broken");
  CHECK(replayed.state.at("cursor") == "7");
}

TEST_CASE("While a snapshot is in flight, handed-off ids wait aside and are merged after it") {
  Checkpoint resumed;
  resumed.done = Ids("a", 0, 100);
  JobState state{resumed};
  state.BeginRun();
  CommitRequest snapshot = state.TakeCommit(true, true, 1);
  const DoneSet* encoded = snapshot.done_ids;
  FeedDones(state, "a", 50, 3000);  // 50 of them in the snapshot already
  state.HandOffDoneBatch();
  CHECK(state.DoneCount() == 3000);  // settled: aside, not in the set being encoded
  CHECK(encoded->size() == 100);
  FeedDones(state, "a", 3000, 5000);
  state.HandOffDoneBatch();
  state.OnSnapshotDone();  // waits for the side thread, then merges
  CHECK(*encoded == Ids("a", 0, 5000));
  CHECK(state.DoneCount() == 5000);
  // The snapshot did not hold them: the next journal commit does.
  CHECK(Replayed(state.TakeCommit(false, true, 2)).done == Ids("a", 100, 5000));
}

TEST_CASE(
    "Ids not yet inserted count as what they will hold, so the pending bound holds for long ids") {
  JobState state{Checkpoint{}};
  const std::string uuid_like = "3f2b8c1e-9d4a-4e7b-a1c2-5d6e7f8a";  // with "-i": 36 bytes and more
  FeedDones(state, uuid_like, 0, 5000);
  const size_t waiting = state.PendingBytes();
  state.HandOffDoneBatch();
  const size_t handed_off = state.PendingBytes();
  state.FlushDoneBatch();
  const size_t inserted = state.PendingBytes();  // journaled and in the set: twice
  CHECK(waiting >= inserted * 99 / 100);         // within the journal's record headers
  CHECK(handed_off >= inserted * 99 / 100);
}

TEST_CASE("A JobState that goes away with a batch on the side thread waits for it") {
  auto state = std::make_unique<JobState>(Checkpoint{});
  FeedDones(*state, "a", 0, 20000);
  state->HandOffDoneBatch();
  state.reset();  // ASan: nothing it used is freed under it
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
