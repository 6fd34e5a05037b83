// JobState: the job's records applied to the checkpoint in memory, what
// counts as progress, the DONE batch, the commits it builds and the SYNC
// tokens a durable commit acknowledges. No loop and no disk except the
// declared outputs.
#include "supervise/job_state.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "intake/protocol.h"
#include "store/checkpoint_test_util.h"
#include "store/journal_reader.h"
#include "store/journal_writer.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

using testing::TempDir;
using testing::WriteFileForTest;

// Parses line (a literal: the record's views point into it) and applies it.
void Feed(JobState& state, std::string_view line) {
  Record record{};
  std::string error;
  INFO("line: ", std::string(line));
  REQUIRE_MESSAGE(ParseRecord(line, &record, &error), error);
  state.Apply(record);
}

// What a journal commit's bytes replay to on top of an empty checkpoint: the
// records that commit journaled, and nothing from earlier commits.
Checkpoint Replayed(const CommitRequest& request) {
  REQUIRE_FALSE(request.snapshot);
  std::string bytes;
  AppendJournalHeader(&bytes, 1);
  bytes += request.journal_bytes;
  Checkpoint replayed;
  JournalReplay replay;
  Status status = ReplayJournal(bytes, 1, &replayed, &replay);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(replay.commits == 1);
  CHECK(replay.torn_bytes == 0);
  return replayed;
}

// A job state resumed at position, its run begun.
JobState ResumedAt(const std::string& position) {
  Checkpoint resumed;
  resumed.has_position = true;
  resumed.position = position;
  JobState state{resumed};
  state.BeginRun();
  return state;
}

TEST_SUITE_BEGIN("supervise/job_state");

TEST_CASE("A CKPT moves the position and is progress only when the position changes") {
  JobState state{Checkpoint{}};
  CHECK(state.Where() == "no position");
  Feed(state, "CKPT 10");
  CHECK(state.checkpoint().has_position);
  CHECK(state.checkpoint().position == "10");
  CHECK(state.Where() == "position 10");
  CHECK(state.progressed());

  state.BeginRun();
  Feed(state, "CKPT 10");
  CHECK_FALSE(state.progressed());
  CHECK(state.checkpoint().records == 2);  // counted all the same
  Feed(state, "CKPT 11");
  CHECK(state.progressed());
  CHECK(state.Where() == "position 11");
}

TEST_CASE("A resumed checkpoint's position is not progress when the job repeats it") {
  Checkpoint resumed;
  resumed.has_position = true;
  resumed.position = "42";
  JobState state{resumed};
  CHECK(state.Where() == "position 42");
  state.BeginRun();
  Feed(state, "CKPT 42");
  CHECK_FALSE(state.progressed());
}

TEST_CASE("Every record is counted and leaves the state dirty until a commit is taken") {
  JobState state{Checkpoint{}};
  CHECK_FALSE(state.dirty());
  Feed(state, "PROGRESS 1 9");
  Feed(state, "DONE a");
  Feed(state, "STATE k v");
  CHECK(state.checkpoint().records == 3);
  CHECK(state.dirty());
  CommitRequest request = state.TakeCommit(/*snapshot=*/false, /*sync=*/true, 1234);
  CHECK_FALSE(state.dirty());
  CHECK(request.records == 3);
  CHECK(request.sync);
  CHECK(state.checkpoint().updated_unix_ms == 1234);
  state.MarkDirty();
  CHECK(state.dirty());
}

TEST_CASE("DONE ids wait in a batch and count once it is flushed") {
  JobState state{Checkpoint{}};
  Feed(state, "DONE a");
  Feed(state, "DONE b");
  CHECK(state.DoneCount() == 0);
  CHECK(state.checkpoint().done.empty());
  CHECK_FALSE(state.progressed());
  state.FlushDoneBatch();
  CHECK(state.DoneCount() == 2);
  CHECK(state.checkpoint().done.contains("a"));
  CHECK(state.checkpoint().done.contains("b"));
  CHECK(state.progressed());
}

TEST_CASE("Only a new DONE id is progress and journaled") {
  Checkpoint resumed;
  resumed.done = {"old"};
  JobState state{resumed};
  state.BeginRun();
  Feed(state, "DONE old");
  state.FlushDoneBatch();
  CHECK_FALSE(state.progressed());
  CHECK(state.DoneCount() == 1);

  Feed(state, "DONE a");
  Feed(state, "DONE a");  // twice in one batch
  CommitRequest first = state.TakeCommit(false, true, 1);
  CHECK(state.progressed());
  CHECK(state.DoneCount() == 2);
  CHECK(Replayed(first).done == DoneSet{"a"});

  Feed(state, "DONE a");
  Feed(state, "DONE b");
  CommitRequest second = state.TakeCommit(false, true, 2);
  CHECK(Replayed(second).done == DoneSet{"b"});  // a was journaled by the first commit
  CHECK(state.DoneCount() == 3);
}

TEST_CASE("A FAIL list keeps one entry per id; only a new id is progress") {
  JobState state{Checkpoint{}};
  Feed(state, "FAIL item-7 disk full");
  CHECK(state.progressed());
  CHECK(Replayed(state.TakeCommit(false, true, 1)).failures ==
        FailureList{{"item-7", "disk full", 1}});
  state.BeginRun();
  Feed(state, "FAIL item-7 bad row");
  CHECK_FALSE(state.progressed());  // the 1,785-runs crash loop of issue 16
  const FailureList expected = {{"item-7", "bad row", 2}};
  CHECK(state.checkpoint().failures == expected);
  // The journal carries the whole entry: replayed alone, it is the same.
  CHECK(Replayed(state.TakeCommit(false, true, 2)).failures == expected);
  Feed(state, "FAIL item-8");
  CHECK(state.progressed());
  CHECK(state.checkpoint().failures.size() == 2);
}

TEST_CASE("A numeric CKPT is progress only beyond the highest position reached") {
  JobState state = ResumedAt("3");
  // A job that ignores --resume-from and dies after re-sending CKPT 1..3.
  for (std::string_view line : {"CKPT 1", "CKPT 2", "CKPT 3"}) Feed(state, line);
  CHECK_FALSE(state.progressed());
  CHECK(state.Where() == "position 3");
  Feed(state, "CKPT 0004");  // a number, whatever its leading zeros
  CHECK(state.progressed());
  state.BeginRun();
  Feed(state, "CKPT 4");
  CHECK_FALSE(state.progressed());
  Feed(state, "CKPT 100000000000000000000000000");  // past any u64
  CHECK(state.progressed());
}

TEST_CASE("A non-numeric CKPT is progress only when not reached before") {
  JobState state{Checkpoint{}};
  for (std::string_view line : {"CKPT a.csv:1", "CKPT a.csv:2", "CKPT b.csv:1"}) Feed(state, line);
  CHECK(state.progressed());
  state.BeginRun();
  // Re-sent in any order (a job dying at random points) is still not new.
  for (std::string_view line : {"CKPT a.csv:1", "CKPT b.csv:1", "CKPT a.csv:2"}) Feed(state, line);
  CHECK_FALSE(state.progressed());
  Feed(state, "CKPT b.csv:2");
  CHECK(state.progressed());
}

TEST_CASE("A STATE value the key had before is not progress") {
  JobState state{Checkpoint{}};
  const auto totals = {"STATE total 1", "STATE total 3", "STATE total 6"};
  for (std::string_view line : totals) Feed(state, line);
  CHECK(state.progressed());
  state.BeginRun();
  // The running total recomputed from the start: 1, 3, 6 again.
  for (std::string_view line : totals) Feed(state, line);
  CHECK_FALSE(state.progressed());
  CHECK(state.checkpoint().state.at("total") == "6");
  Feed(state, "STATE other 6");  // another key's value is its own
  CHECK(state.progressed());
}

TEST_CASE("A resumed run whose first position is behind the resume position is noticed once") {
  JobState state = ResumedAt("74");
  Feed(state, "CKPT 1");
  REQUIRE(state.went_back());
  CHECK(state.TakeWentBack() == std::pair<std::string, std::string>{"1", "74"});
  CHECK_FALSE(state.went_back());
  Feed(state, "CKPT 0");  // only the first position of a run is compared
  CHECK_FALSE(state.went_back());
  state.BeginRun();  // resumed at 0 now
  Feed(state, "CKPT 1");
  CHECK_FALSE(state.went_back());
  state.BeginRun();
  Feed(state, "CKPT 1");  // resuming where it was is fine
  CHECK_FALSE(state.went_back());
}

TEST_CASE("A fresh run has no resume position to fall behind") {
  JobState state{Checkpoint{}};
  state.BeginRun();
  Feed(state, "CKPT 0");
  CHECK_FALSE(state.went_back());
}

TEST_CASE("A STATE is progress and journaled only when its value changes") {
  JobState state{Checkpoint{}};
  Feed(state, "STATE cursor page 3");
  CHECK(state.progressed());
  CHECK(state.checkpoint().state.at("cursor") == "page 3");
  CHECK(Replayed(state.TakeCommit(false, true, 1)).state.at("cursor") == "page 3");

  state.BeginRun();
  Feed(state, "STATE cursor page 3");
  CHECK_FALSE(state.progressed());
  CHECK(Replayed(state.TakeCommit(false, true, 2)).state.empty());

  Feed(state, "STATE cursor page 4");
  CHECK(state.progressed());
  CHECK(Replayed(state.TakeCommit(false, true, 3)).state.at("cursor") == "page 4");
}

TEST_CASE("PROGRESS is shown but is not progress; COMPLETE marks the checkpoint complete") {
  JobState state{Checkpoint{}};
  Feed(state, "PROGRESS 42 100");
  CHECK(state.checkpoint().progress_done == 42);
  CHECK(state.checkpoint().progress_total == 100);
  CHECK_FALSE(state.progressed());
  CHECK_FALSE(state.checkpoint().complete);
  Feed(state, "COMPLETE");
  CHECK(state.checkpoint().complete);
}

TEST_CASE("An OUTPUT is declared once, by absolute path, and its size follows each CKPT") {
  TempDir dir;
  const std::string path = dir / "out.txt";
  WriteFileForTest(path, "abc");
  JobState state{Checkpoint{}};
  Record output{};
  output.verb = Verb::kOutput;
  output.arg = path;
  state.Apply(output);
  state.DeclareOutput(path);
  state.Apply(output);
  REQUIRE(state.checkpoint().outputs.size() == 1);
  CHECK(state.checkpoint().outputs[0].path == path);
  CHECK(state.checkpoint().outputs[0].size == 3);

  WriteFileForTest(path, "abcdefg");
  CHECK(state.checkpoint().outputs[0].size == 3);  // not looked at until a CKPT or DONE
  Feed(state, "CKPT 1");
  CHECK(state.checkpoint().outputs[0].size == 7);
  CommitRequest request = state.TakeCommit(true, true, 1);
  REQUIRE(request.rest.outputs.size() == 1);
  CHECK(request.rest.outputs[0].size == 7);
  CHECK(request.rest.outputs[0].tail_hash != 0);
}

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
