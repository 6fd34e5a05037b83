// JobState and the SIZE records: the size an output commits with a CKPT or
// DONE is the one the job sent with it (its shim stats the file when it writes
// the record), not the one ckwrap sees when it reads the record later, after
// the job has appended its next rows. See also sent_sizes_test.cc.
#include <doctest/doctest.h>
#include <xxhash.h>

#include <string>
#include <string_view>

#include "store/checkpoint_test_util.h"
#include "supervise/job_state.h"
#include "supervise/job_state_test_util.h"

namespace ckwrap {
namespace {

using testing::Feed;
using testing::TempDir;
using testing::WriteFileForTest;

// state with path declared, its run begun.
void Declaring(JobState& state, const std::string& path) {
  state.DeclareOutput(path);
  state.BeginRun();
}

// Applies "SIZE bytes path" (the line must outlive nothing: views are copied).
std::string SendSize(JobState& state, uint64_t bytes, const std::string& path) {
  const std::string line = "SIZE " + std::to_string(bytes) + " " + path;
  Record record{};
  REQUIRE(ParseRecord(line, &record, nullptr));
  return state.Apply(record);
}

uint64_t Hash(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

TEST_SUITE_BEGIN("supervise/job_state");

TEST_CASE("A CKPT or DONE commits the size sent with it, not the file's size when read") {
  TempDir dir;
  const std::string path = dir / "out.csv";
  WriteFileForTest(path, "row 0\n");
  JobState state{Checkpoint{}};
  Declaring(state, path);
  WriteFileForTest(path, "row 0\nrow 1\nrow 2\n");  // the job wrote on before ckwrap read
  CHECK(SendSize(state, 6, path).empty());
  Feed(state, "CKPT 1");
  CHECK(state.checkpoint().outputs[0].size == 6);
  CommitRequest request = state.TakeCommit(true, true, 1);
  CHECK(request.rest.outputs[0].size == 6);
  CHECK(request.rest.outputs[0].tail_hash == Hash("row 0\n"));

  CHECK(SendSize(state, 12, path).empty());
  Feed(state, "DONE item 1");
  CHECK(state.checkpoint().outputs[0].size == 12);
  Feed(state, "CKPT 2");  // no SIZE with it: the size ckwrap sees
  CHECK(state.checkpoint().outputs[0].size == 18);
}

TEST_CASE("A SIZE for a file that is not a declared output is refused, naming it") {
  TempDir dir;
  JobState state{Checkpoint{}};
  Declaring(state, dir / "out.csv");
  const uint64_t records = state.checkpoint().records;
  CHECK(SendSize(state, 5, dir / "other.csv") ==
        "SIZE for " + (dir / "other.csv") +
            ", which is not a declared output (--output or an OUTPUT record declares one)");
  CHECK(state.checkpoint().records == records);  // skipped, like a malformed line
}

TEST_CASE("A sent size never goes below one sent before in the run; a new run starts over") {
  TempDir dir;
  const std::string path = dir / "out.csv";
  WriteFileForTest(path, std::string(300, 'x'));
  JobState state{Checkpoint{}};
  Declaring(state, path);
  // Two workers appending to one file: the one that stat'ed first writes last.
  SendSize(state, 200, path);
  Feed(state, "DONE b");
  SendSize(state, 100, path);
  Feed(state, "DONE a");
  CHECK(state.checkpoint().outputs[0].size == 200);
  // Two sizes before one record: the larger.
  SendSize(state, 250, path);
  SendSize(state, 220, path);
  Feed(state, "CKPT 3");
  CHECK(state.checkpoint().outputs[0].size == 250);
  // A relaunch cut the file back: its sizes start again, and a size sent by
  // the job that is gone is not used.
  SendSize(state, 280, path);
  state.BeginRun();
  SendSize(state, 120, path);
  Feed(state, "CKPT 4");
  CHECK(state.checkpoint().outputs[0].size == 120);
}

TEST_CASE("A sent size larger than the file commits the file's size, keeping every byte") {
  TempDir dir;
  const std::string path = dir / "out.csv";
  WriteFileForTest(path, "abc\n");
  JobState state{Checkpoint{}};
  Declaring(state, path);
  SendSize(state, 4000, path);
  Feed(state, "CKPT 1");
  CommitRequest request = state.TakeCommit(true, true, 1);
  CHECK(request.rest.outputs[0].size == 4);
  CHECK(request.rest.outputs[0].tail_hash == Hash("abc\n"));
}

TEST_CASE("A file found shorter than a size ckwrap measured keeps that size: a resume refuses it") {
  TempDir dir;
  const std::string path = dir / "out.csv";
  WriteFileForTest(path, "abcdef\n");
  JobState state{Checkpoint{}};
  Declaring(state, path);
  Feed(state, "CKPT 1");
  WriteFileForTest(path, "");  // someone emptied it
  CommitRequest request = state.TakeCommit(true, true, 1);
  CHECK(request.rest.outputs[0].size == 7);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
