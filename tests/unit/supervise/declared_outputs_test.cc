// Declared outputs and input fingerprints in the checkpoint and the journal,
// the OUTPUT and SYNC records, and the truncation before a resume.
#include "supervise/declared_outputs.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "intake/protocol.h"
#include "store/durable_file.h"
#include "store/encoding_test_util.h"
#include "store/journal_reader.h"
#include "store/journal_writer.h"
#include "store/snapshot_reader.h"

namespace ckwrap {
namespace {

Checkpoint WithOutputsAndInputs() {
  Checkpoint c;
  c.has_position = true;
  c.position = "7";
  c.outputs = {{"/tmp/out.csv", 120, 0x1234}, {std::string("/o\0ut", 5), 0, 0}};
  c.inputs = {{"items.txt", 99, -5, 0xabcdef}, {"b", 0, 1700000000123456789, 1}};
  c.keep_done = true;
  c.command = {"./job", "", std::string("a\0b", 3), "2026-12-01"};
  return c;
}

std::string TempPath(const char* name) {
  return std::string(P_tmpdir) + "/ckwrap-unit-" + std::to_string(getpid()) + "-" + name;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::string out;
  REQUIRE(ReadWholeFile(path, 1 << 20, &out).ok());
  return out;
}

TEST_SUITE_BEGIN("supervise/declared_outputs");

TEST_CASE("Outputs, inputs, keep_done and the command line round-trip through the snapshot") {
  Checkpoint in = WithOutputsAndInputs();
  Checkpoint out;
  Status status = DecodeCheckpoint(testing::SnapshotBytes(in), &out);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(out == in);
  // Each section alone too (they are optional and ordered).
  for (int only = 0; only < 4; ++only) {
    Checkpoint part;
    if (only == 0) part.outputs = in.outputs;
    if (only == 1) part.inputs = in.inputs;
    if (only == 2) part.keep_done = true;
    if (only == 3) part.command = in.command;
    Checkpoint decoded;
    REQUIRE(DecodeCheckpoint(testing::SnapshotBytes(part), &decoded).ok());
    CHECK(decoded == part);
  }
}

TEST_CASE("A checkpoint without the new sections encodes as before") {
  Checkpoint plain;
  plain.position = "x";
  Checkpoint with = plain;
  with.outputs = {{"/a", 1, 2}};
  CHECK(testing::SnapshotBytes(with).size() > testing::SnapshotBytes(plain).size());
  CHECK(testing::SnapshotBytes(plain).size() ==
        147 + 1);  // the documented smallest + 1 position byte
}

TEST_CASE("The OUTPUTS journal record takes effect with its commit") {
  std::string journal;
  AppendJournalHeader(&journal, 3);
  Checkpoint c;
  c.outputs = {{"/out", 10, 5}};
  c.records = 1;
  AppendJournalCommit(&journal, c);
  c.outputs[0].size = 20;
  c.records = 2;
  const size_t second = journal.size();
  AppendJournalCommit(&journal, c);
  Checkpoint replayed;
  JournalReplay replay;
  REQUIRE(ReplayJournal(journal, 3, &replayed, &replay).ok());
  CHECK(replayed.outputs == c.outputs);
  // The second commit torn: its sizes do not apply.
  Checkpoint torn;
  REQUIRE(ReplayJournal(std::string_view(journal).substr(0, journal.size() - 1), 3, &torn, &replay)
              .ok());
  CHECK(torn.outputs.at(0).size == 10);
  CHECK(replay.valid_bytes == second);
}

TEST_CASE("OUTPUT and SYNC records parse") {
  Record r;
  std::string error;
  REQUIRE(ParseRecord("OUTPUT dir/out file.csv", &r, &error));
  CHECK(r.verb == Verb::kOutput);
  CHECK(r.arg == "dir/out file.csv");
  REQUIRE(ParseRecord("SYNC py12.3", &r, &error));
  CHECK(r.verb == Verb::kSync);
  CHECK(r.arg == "py12.3");
  CHECK_FALSE(ParseRecord("OUTPUT", &r, &error));
  CHECK(error == "OUTPUT needs a path");
  CHECK_FALSE(ParseRecord("SYNC a b", &r, &error));
  CHECK(error == "SYNC needs one token without spaces");
  CHECK_FALSE(ParseRecord("SYNC", &r, &error));
}

TEST_CASE("RestoreOutputs truncates appends, refuses a shrunk or changed file") {
  const std::string path = TempPath("out");
  WriteFile(path, "row 1\nrow 2\n");
  OutputFile f;
  f.path = path;
  REQUIRE(OutputSize(path, &f.size).ok());
  REQUIRE(OutputTailHash(path, f.size, &f.tail_hash).ok());
  WriteFile(path, "row 1\nrow 2\nrow 3 (after the checkpoint)\nro");
  REQUIRE(RestoreOutputs({f}).ok());
  CHECK(ReadFile(path) == "row 1\nrow 2\n");

  WriteFile(path, "row 1\n");
  Status shrunk = RestoreOutputs({f});
  CHECK_FALSE(shrunk.ok());
  CHECK(shrunk.message().find("6 bytes, shorter than the 12 bytes") != std::string::npos);
  CHECK(ReadFile(path) == "row 1\n");

  WriteFile(path, "row 1\nrow X\nmore\n");
  Status changed = RestoreOutputs({f});
  CHECK_FALSE(changed.ok());
  CHECK(changed.message().find("before offset 12 are not those") != std::string::npos);
  CHECK(ReadFile(path) == "row 1\nrow X\nmore\n");

  // A file that did not exist when recorded (size 0) is emptied.
  OutputFile empty{path, 0, 0};
  REQUIRE(OutputTailHash(path, 0, &empty.tail_hash).ok());
  REQUIRE(RestoreOutputs({empty}).ok());
  CHECK(ReadFile(path).empty());
  std::remove(path.c_str());
}

TEST_CASE("Input fingerprints tell what changed") {
  const std::string path = TempPath("in");
  WriteFile(path, "a\nb\n");
  std::vector<InputFile> before, after;
  REQUIRE(FingerprintInputs({path}, &before).ok());
  REQUIRE(FingerprintInputs({path}, &after).ok());
  CHECK(DescribeInputChanges(before, after).empty());
  WriteFile(path, "a\nB\n");               // same size
  after[0].mtime_ns = before[0].mtime_ns;  // even with the same mtime
  std::vector<InputFile> edited;
  REQUIRE(FingerprintInputs({path}, &edited).ok());
  edited[0].mtime_ns = before[0].mtime_ns;
  CHECK(DescribeInputChanges(before, edited) == "input " + path + ": content changed\n");
  WriteFile(path, "a\nb\nc\n");
  REQUIRE(FingerprintInputs({path}, &edited).ok());
  CHECK(DescribeInputChanges(before, edited).find("size 4 -> 6") != std::string::npos);
  CHECK(DescribeInputChanges(before, {}) ==
        "input " + path + ": an input of the checkpointed run, not of this one\n");
  CHECK_FALSE(FingerprintInputs({path + ".missing"}, &edited).ok());
  std::remove(path.c_str());
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
