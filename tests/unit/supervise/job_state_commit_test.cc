// JobState's commits: the requests it builds (journal or snapshot), what is
// held until a commit is durable (backpressure), the SYNC tokens a durable
// commit acknowledges and the status snapshot (job_state_test.cc: records
// and progress).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "supervise/job_state.h"
#include "supervise/job_state_test_util.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

using testing::Feed;
using testing::Replayed;

TEST_SUITE_BEGIN("supervise/job_state_commit");

TEST_CASE("PendingBytes grows with pending DONE ids and journal records and drops once durable") {
  JobState state{Checkpoint{}};
  CHECK(state.PendingBytes() == 0);
  Feed(state, "DONE a");
  const size_t one = state.PendingBytes();
  CHECK(one > 0);
  Feed(state, "DONE bbbbbbbb");
  const size_t two = state.PendingBytes();
  CHECK(two > one);
  state.FlushDoneBatch();
  CHECK(state.PendingBytes() > 0);  // now journal bytes and ids in the set
  Feed(state, "FAIL x why");
  CHECK(state.PendingBytes() > 0);
  state.TakeCommit(false, true, 1);
  CHECK(state.PendingBytes() > 0);  // in flight, not yet durable
  state.OnCommitEnded(true);
  CHECK(state.PendingBytes() == 0);

  Feed(state, "STATE k v");
  CHECK(state.PendingBytes() > 0);
  state.TakeCommit(true, true, 2);  // the snapshot holds them
  Feed(state, "SYNC t");            // comes while it is in flight
  const size_t after_snapshot = state.PendingBytes();
  state.OnSnapshotDone();
  state.OnCommitEnded(true);
  CHECK(state.PendingBytes() > 0);  // the SYNC was not covered
  CHECK(state.PendingBytes() < after_snapshot);
}

TEST_CASE("A commit built in an earlier commit's buffer holds only its own records") {
  JobState state{Checkpoint{}};
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> lines;
    for (int i = 0; i < 2000; ++i)
      lines.push_back("DONE r" + std::to_string(round) + "-" + std::to_string(i));
    for (const std::string& line : lines) Feed(state, line);
    CommitRequest request = state.TakeCommit(false, true, round + 1);
    state.OnCommitEnded(true);
    const Checkpoint replayed = Replayed(request);
    CHECK(replayed.done.size() == 2000);
    CHECK(replayed.done.contains("r" + std::to_string(round) + "-1999"));
    // Written: the next commit is built in this buffer (its bytes reused).
    const size_t capacity = request.journal_bytes.capacity();
    state.ReuseJournalBuffer(std::move(request.journal_bytes));
    CHECK(capacity > 2000 * 8);
  }
}

TEST_CASE("While commits fail, PendingBytes keeps everything they covered") {
  // issue 17: a failed snapshot retry emptied the pending bytes, so reading
  // resumed every second and memory grew without bound on a full disk.
  JobState state{Checkpoint{}};
  const std::string token(60000, 't');
  Feed(state, "DONE a");
  Feed(state, "SYNC " + token);
  state.TakeCommit(false, true, 1);
  state.OnCommitEnded(false);
  const size_t held = state.PendingBytes();
  CHECK(held > token.size());
  for (int retry = 0; retry < 3; ++retry) {
    Feed(state, "DONE b" + std::to_string(retry));
    state.TakeCommit(true, true, 2);  // a failed commit is retried as a snapshot
    state.OnSnapshotDone();
    state.OnCommitEnded(false);
    CHECK(state.PendingBytes() > held);
  }
  CHECK(state.sync_waiting());
  CommitRequest retry = state.TakeCommit(true, true, 3);
  CHECK(retry.done_ids->size() == 4);  // nothing the failures covered is lost
  state.OnSnapshotDone();
  state.OnCommitEnded(true);
  CHECK(state.PendingBytes() == 0);
  CHECK(state.TakeAcknowledged(retry.records) == std::vector<std::string>{token});
}

TEST_CASE("A snapshot commit reads the done set in place and copies the rest") {
  Checkpoint resumed;
  resumed.done = {"a", "b"};
  JobState state{resumed};
  Feed(state, "CKPT 5");
  Feed(state, "STATE k v");
  CommitRequest request = state.TakeCommit(/*snapshot=*/true, true, 77);
  CHECK(request.snapshot);
  CHECK(request.journal_bytes.empty());
  CHECK(request.records == 2);
  CHECK(request.done_ids == &state.checkpoint().done);
  CHECK(request.rest.done.empty());
  CHECK(request.rest.position == "5");
  CHECK(request.rest.state.at("k") == "v");
  CHECK(request.rest.updated_unix_ms == 77);
  // Still readable while the snapshot is encoded.
  CHECK(state.checkpoint().done == DoneSet{"a", "b"});
  CHECK(state.DoneCount() == 2);
  state.OnSnapshotDone();
  CHECK(state.checkpoint().done == DoneSet{"a", "b"});
}

TEST_CASE("Ids that come while a snapshot is in flight wait aside and are merged after it") {
  Checkpoint resumed;
  resumed.done = {"a"};
  JobState state{resumed};
  CommitRequest snapshot = state.TakeCommit(true, true, 1);
  const DoneSet* encoded = snapshot.done_ids;
  Feed(state, "DONE c");
  Feed(state, "DONE d");
  state.FlushDoneBatch();
  CHECK(*encoded == DoneSet{"a"});  // not changed under the worker
  CHECK(state.DoneCount() == 3);
  CHECK(state.progressed());
  state.OnSnapshotDone();
  CHECK(state.checkpoint().done == DoneSet{"a", "c", "d"});
  CHECK(state.DoneCount() == 3);
  // The snapshot did not hold them: the next journal commit does.
  CHECK(Replayed(state.TakeCommit(false, true, 2)).done == DoneSet{"c", "d"});
  state.OnSnapshotDone();  // none in flight: nothing happens
  CHECK(state.DoneCount() == 3);
}

TEST_CASE("A repeated id is not progress and not counted twice while a snapshot is in flight") {
  Checkpoint resumed;
  resumed.done = {"a"};
  JobState state{resumed};
  state.BeginRun();
  state.TakeCommit(true, true, 1);
  Feed(state, "DONE a");
  state.FlushDoneBatch();
  CHECK_FALSE(state.progressed());
  CHECK(state.DoneCount() == 1);
  CHECK(state.Snapshot().done == 1);
  state.OnSnapshotDone();
  CHECK(state.DoneCount() == 1);
}

TEST_CASE("A commit acknowledges the SYNC tokens it covers, oldest first") {
  JobState state{Checkpoint{}};
  Feed(state, "CKPT 1");   // record 1
  Feed(state, "SYNC t1");  // record 2
  Feed(state, "SYNC t2");  // record 3
  Feed(state, "CKPT 2");   // record 4
  Feed(state, "SYNC t3");  // record 5
  CHECK(state.sync_waiting());
  CHECK(state.TakeAcknowledged(1).empty());
  CHECK(state.TakeAcknowledged(3) == std::vector<std::string>{"t1", "t2"});
  CHECK(state.sync_waiting());
  CHECK(state.TakeAcknowledged(4).empty());
  CommitRequest request = state.TakeCommit(false, true, 1);
  CHECK(state.TakeAcknowledged(request.records) == std::vector<std::string>{"t3"});
  CHECK_FALSE(state.sync_waiting());
  CHECK(state.TakeAcknowledged(request.records).empty());
}

TEST_CASE("The tokens of a job that is gone are dropped") {
  JobState state{Checkpoint{}};
  Feed(state, "SYNC t1");
  Feed(state, "SYNC t2");
  state.DropSyncWaiters();
  CHECK_FALSE(state.sync_waiting());
  CHECK(state.TakeAcknowledged(100).empty());
  Feed(state, "SYNC t3");
  CHECK(state.TakeAcknowledged(100) == std::vector<std::string>{"t3"});
}

TEST_CASE("The status snapshot flushes the DONE batch and shows the counters") {
  Checkpoint resumed;
  resumed.attempts = 3;
  resumed.restarts = 2;
  resumed.failures = {{"f", ""}};
  JobState state{resumed};
  Feed(state, "CKPT row 9");
  Feed(state, "PROGRESS 9 20");
  Feed(state, "DONE x");
  Feed(state, "DONE y");
  StatusSnapshot s = state.Snapshot();
  CHECK(s.has_position);
  CHECK(s.position == "row 9");
  CHECK(s.progress_done == 9);
  CHECK(s.progress_total == 20);
  CHECK(s.done == 2);
  CHECK(s.failed == 1);
  CHECK(s.attempts == 3);
  CHECK(s.restarts == 2);
  CHECK(state.checkpoint().done.contains("x"));
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
