// JobState: the job's records applied to the checkpoint in memory, what
// counts as progress, the DONE batch and the declared outputs
// (job_state_commit_test.cc: the commits it builds, backpressure and the
// SYNC tokens a durable commit acknowledges). No loop and no disk except the
// declared outputs.
#include "supervise/job_state.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "store/checkpoint_test_util.h"
#include "supervise/job_state_test_util.h"

namespace ckwrap {
namespace {

using testing::Feed;
using testing::Replayed;
using testing::ResumedAt;
using testing::TempDir;
using testing::WriteFileForTest;

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
  JobState state{ResumedAt("3")};
  state.BeginRun();
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
  JobState state{ResumedAt("74")};
  state.BeginRun();
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

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
