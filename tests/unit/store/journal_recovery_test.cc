// The store's snapshot generations plus their journals: recovery,
// compaction, a journal without its snapshot, torn tails and damage as Load
// reports them (journal_test.cc: the journal's format).
#include <doctest/doctest.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "store/checkpoint_store.h"
#include "store/checkpoint_test_util.h"
#include "store/coding.h"
#include "store/encoding_test_util.h"
#include "store/file_ops.h"
#include "store/journal_format.h"
#include "store/journal_reader.h"
#include "store/journal_steps.h"
#include "store/journal_writer.h"
#include "store/scoped_file_ops.h"
#include "store/snapshot_reader.h"

namespace ckwrap {
namespace {

using testing::Apply;
using testing::Base;
using testing::ListNames;
using testing::LoadOk;
using testing::ReadFileOrEmpty;
using testing::Step;
using testing::Steps;
using testing::TempDir;
using testing::WriteFileForTest;

TEST_SUITE_BEGIN("store/journal_recovery");

std::string Gen(const char* prefix, int generation) {
  std::string digits = std::to_string(generation);
  return prefix + std::string(20 - digits.size(), '0') + digits;
}

void Snapshot(CheckpointStore& store, const Checkpoint& c) {
  Status status = store.Commit(c);
  REQUIRE_MESSAGE(status.ok(), status.message());
}

void Journal(CheckpointStore& store, Checkpoint* c, const Step& step) {
  std::string records;
  Apply(step, c, &records);
  Status status = store.AppendJournal(records, true);
  REQUIRE_MESSAGE(status.ok(), status.message());
}

// A store with a snapshot and one journal commit after it, where most of
// these cases begin.
struct OneCommit {
  TempDir dir;
  CheckpointStore store{dir.path()};
  Checkpoint c = Base();
  OneCommit() {
    Snapshot(store, c);
    Journal(store, &c, Steps()[0]);
  }
};

TEST_CASE("Recovery is the snapshot plus its journal") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Checkpoint c = Base();
  CHECK_FALSE(store.AppendJournal("x", true).ok());  // no snapshot yet
  Snapshot(store, c);
  for (const Step& step : Steps()) Journal(store, &c, step);
  CHECK(ListNames(dir.path()) ==
        std::vector<std::string>{Gen("checkpoint.", 1), Gen("journal.", 1)});
  struct stat st {};
  REQUIRE(stat((dir / Gen("journal.", 1)).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(static_cast<uint64_t>(st.st_size) == store.journal_bytes());
  LoadedCheckpoint loaded = LoadOk(dir.path());
  CHECK(loaded.checkpoint == c);
  CHECK(loaded.journal_commits == 3);
  CHECK(loaded.journal_path == dir / Gen("journal.", 1));
}

TEST_CASE("Compaction switches to a new generation and keeps the previous one as fallback") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Checkpoint c = Base();
  std::vector<Step> steps = Steps();
  Snapshot(store, c);
  Journal(store, &c, steps[0]);
  Checkpoint after_gen1 = c;
  Snapshot(store, c);  // compaction: generation 2 holds journal 1's commits
  CHECK(store.journal_bytes() == 0);
  Journal(store, &c, steps[1]);
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Gen("checkpoint.", 1),
                                                          Gen("checkpoint.", 2), Gen("journal.", 1),
                                                          Gen("journal.", 2)});
  CHECK(LoadOk(dir.path()).checkpoint == c);

  // A corrupt newest snapshot falls back to the previous generation and its journal.
  std::string newest = dir / Gen("checkpoint.", 2);
  std::string good = ReadFileOrEmpty(newest);
  std::string bad = good;
  bad[bad.size() / 2] ^= 1;
  WriteFileForTest(newest, bad);
  LoadedCheckpoint loaded = LoadOk(dir.path());
  CHECK(loaded.checkpoint == after_gen1);
  CHECK(loaded.warnings.size() == 1);
  WriteFileForTest(newest, good);

  Snapshot(store, c);  // generation 3: generation 1's files go, 2's stay
  CHECK(ListNames(dir.path()) ==
        std::vector<std::string>{Gen("checkpoint.", 2), Gen("checkpoint.", 3), Gen("journal.", 2)});
  CHECK(LoadOk(dir.path()).checkpoint == c);
}

TEST_CASE_FIXTURE(OneCommit,
                  "A crash after the new snapshot, before pruning, loads the new snapshot alone") {
  // The compaction's snapshot landed; the old journal is still there.
  std::string journal1 = ReadFileOrEmpty(dir / Gen("journal.", 1));
  Snapshot(store, c);
  Snapshot(store, c);                                    // generation 3; generation 1 pruned
  WriteFileForTest(dir / Gen("journal.", 1), journal1);  // "reappears" after a crash
  LoadedCheckpoint loaded = LoadOk(dir.path());
  CHECK(loaded.checkpoint == c);
  CHECK(loaded.path == dir / Gen("checkpoint.", 3));
  // Numbering goes past the stray journal too, and the next snapshot prunes it.
  CheckpointStore reopened(dir.path());
  REQUIRE(reopened.Load(&loaded).ok());
  Snapshot(reopened, c);
  CHECK(ListNames(dir.path()) ==
        std::vector<std::string>{Gen("checkpoint.", 3), Gen("checkpoint.", 4)});
}

// Generation 1 with a journal of one commit, then generation 2 holding it.
void TwoGenerations(CheckpointStore& store, Checkpoint* c) {
  Snapshot(store, *c);
  Journal(store, c, Steps()[0]);
  Snapshot(store, *c);
}

TEST_CASE("A journal newer than every snapshot left is refused, naming it and the way out") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Checkpoint c = Base();
  TwoGenerations(store, &c);
  Journal(store, &c, Steps()[1]);
  REQUIRE(unlink((dir / Gen("checkpoint.", 2)).c_str()) == 0);
  LoadedCheckpoint loaded;
  Status status = CheckpointStore(dir.path()).Load(&loaded);
  REQUIRE(status.IsCorruption());
  const std::string journal = dir / Gen("journal.", 2);
  CHECK(status.message().find("journal " + journal + " holds 1 commits up to position ") !=
        std::string::npos);
  CHECK(status.message().find("mv " + journal + " " + journal + ".rejected") != std::string::npos);
  CHECK(status.message().find(dir / Gen("checkpoint.", 1)) != std::string::npos);
  CHECK_FALSE(loaded.found);

  // Set aside, as the message says: the older generation loads.
  REQUIRE(rename(journal.c_str(), (journal + ".rejected").c_str()) == 0);
  loaded = LoadOk(dir.path());
  CHECK(loaded.path == dir / Gen("checkpoint.", 1));
}

TEST_CASE("A journal without its snapshot and without a commit has nothing to lose: ignored") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Checkpoint c = Base();
  TwoGenerations(store, &c);
  // Journal 3 holds only its HEADER (a crash right after it was created).
  std::string header;
  AppendJournalHeader(&header, 3);
  WriteFileForTest(dir / Gen("journal.", 3), header);
  CHECK(LoadOk(dir.path()).path == dir / Gen("checkpoint.", 2));
}

TEST_CASE_FIXTURE(OneCommit, "A torn tail is reported by Load and cut off by RepairTornTail") {
  Checkpoint committed = c;
  std::string path = dir / Gen("journal.", 1);
  std::string bytes = ReadFileOrEmpty(path);
  std::string torn;
  Apply(Steps()[1], &c, &torn);
  WriteFileForTest(path, bytes + torn.substr(0, torn.size() - 3));

  CheckpointStore reopened(dir.path());
  LoadedCheckpoint loaded;
  REQUIRE(reopened.Load(&loaded).ok());
  CHECK(loaded.checkpoint == committed);
  CHECK(loaded.journal_bytes == bytes.size());
  CHECK(loaded.journal_torn_bytes == torn.size() - 3);
  Status status = reopened.RepairTornTail(loaded);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(ReadFileOrEmpty(path) == bytes);
  CHECK(LoadOk(dir.path()).journal_torn_bytes == 0);
}

TEST_CASE("Damage before a whole commit stops Load with the offset and a way out") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Checkpoint c = Base();
  Snapshot(store, c);
  for (const Step& step : Steps()) Journal(store, &c, step);
  std::string path = dir / Gen("journal.", 1);
  std::string bytes = ReadFileOrEmpty(path);
  bytes[bytes.size() / 3] ^= 0x10;
  WriteFileForTest(path, bytes);
  CheckpointStore reopened(dir.path());
  LoadedCheckpoint loaded;
  Status status = reopened.Load(&loaded);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find(path) != std::string::npos);
  CHECK(status.message().find("truncate -s") != std::string::npos);
  CHECK(ReadFileOrEmpty(path) == bytes);  // left untouched
}

// Fails fdatasync: a journal append that may not have landed.
class FailingFdatasync : public FileOps {
 public:
  int Fdatasync(int) override {
    errno = EIO;
    return -1;
  }
};

TEST_CASE_FIXTURE(OneCommit,
                  "A failed append ends the segment: appends fail until the next snapshot") {
  std::string records;
  Apply(Steps()[1], &c, &records);
  Status status;
  {
    FailingFdatasync failing;
    ScopedFileOps scoped(&failing);
    status = store.AppendJournal(records, true);
  }
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("fdatasync") != std::string::npos);
  CHECK_FALSE(store.AppendJournal(records, true).ok());
  Snapshot(store, c);
  Journal(store, &c, Steps()[2]);
  CHECK(LoadOk(dir.path()).checkpoint == c);
}

TEST_CASE_FIXTURE(OneCommit, "Reset removes journals too") {
  REQUIRE(store.Reset().ok());
  CHECK(ListNames(dir.path()).empty());
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
