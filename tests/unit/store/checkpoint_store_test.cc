#include "store/checkpoint_store.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "store/checkpoint_test_util.h"
#include "store/encoding_test_util.h"
#include "store/fencing.h"

namespace ckwrap {
namespace {

using testing::ListNames;
using testing::LoadOk;
using testing::ReadFileOrEmpty;
using testing::TempDir;
using testing::WriteFileForTest;

std::string Name(int generation) {
  std::string digits = std::to_string(generation);
  return "checkpoint." + std::string(20 - digits.size(), '0') + digits;
}

Checkpoint WithRecords(uint64_t records) {
  Checkpoint c;
  c.has_position = true;
  c.position = "pos-" + std::to_string(records);
  c.done = {"x", "y"};
  c.records = records;
  return c;
}

void Commit(CheckpointStore& store, uint64_t records) {
  Status status = store.Commit(WithRecords(records));
  REQUIRE_MESSAGE(status.ok(), status.message());
}

void Corrupt(const std::string& path) {
  std::string bytes = ReadFileOrEmpty(path);
  REQUIRE(bytes.size() > 40);
  bytes[40] = static_cast<char>(bytes[40] ^ 0xFF);
  WriteFileForTest(path, bytes);
}

TEST_SUITE_BEGIN("store/checkpoint_store");

TEST_CASE("A snapshot of several MiB of ids, written in pieces, is the encoded checkpoint") {
  TempDir dir;
  Checkpoint c = WithRecords(7);
  for (int i = 0; i < 300000; ++i) c.done.insert("piece-" + std::to_string(i));
  c.failures.Record("f", "after the ids");
  c.state["k"] = "v";
  CheckpointStore store(dir.path());
  Status status = store.Commit(c);
  REQUIRE_MESSAGE(status.ok(), status.message());
  const std::string bytes = ReadFileOrEmpty(dir.path() + "/" + Name(1));
  CHECK(bytes.size() > (4u << 20));  // more than four 1 MiB pieces of ids
  // The store records its writer (FENCING) after the job's fields.
  CHECK(bytes == testing::SnapshotBytes(c, c.done, ThisWriter()));
  CHECK(store.snapshot_bytes() == bytes.size());
  CHECK(LoadOk(dir.path()).checkpoint == c);
  // Another set than the checkpoint's own: the ids written are that set's.
  Checkpoint rest = c;
  rest.done = {"ignored"};
  DoneSet done = {"only", "these"};
  REQUIRE(store.Commit(rest, done).ok());
  Checkpoint expected = c;
  expected.done = done;
  CHECK(LoadOk(dir.path()).checkpoint == expected);
}

TEST_CASE("Ids longer than a snapshot piece round-trip between ordinary ones") {
  TempDir dir;
  Checkpoint c = WithRecords(3);
  c.done.insert("before");
  c.done.insert(std::string((256 << 10) - 8, 'x'));  // fills one piece exactly
  c.done.insert(std::string((300 << 10), 'y'));      // longer than a piece
  for (int i = 0; i < 50000; ++i) c.done.insert("after-" + std::to_string(i));
  c.done.insert(std::string((1 << 20) + 3, 'z'));
  CheckpointStore store(dir.path());
  Status status = store.Commit(c);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(ReadFileOrEmpty(dir.path() + "/" + Name(1)).size() == store.snapshot_bytes());
  CHECK(LoadOk(dir.path()).checkpoint == c);
}

// AddressSanitizer aborts on an allocation it cannot make instead of throwing
// std::bad_alloc, which is what this test needs: it runs in the normal build.
#ifndef __SANITIZE_ADDRESS__
TEST_CASE("A huge journal beside a good snapshot is refused by name, the snapshot not rejected") {
  // The journal's size sizes the done set before the snapshot is decoded:
  // a sparse 1 TiB file must neither allocate for it nor make the snapshot
  // look corrupt (a fallback to an older generation would lose progress).
  TempDir dir;
  Checkpoint c = WithRecords(2);
  for (int i = 0; i < 1000; ++i) c.done.insert("id-" + std::to_string(i));
  CheckpointStore store(dir.path());
  REQUIRE(store.Commit(c).ok());
  const std::string journal = dir.path() + "/journal.00000000000000000001";
  REQUIRE(::truncate(journal.c_str(), 0) != 0);  // none yet: created below
  WriteFileForTest(journal, "");
  REQUIRE(::truncate(journal.c_str(), off_t{1} << 40) == 0);
  CheckpointStore again(dir.path());
  LoadedCheckpoint loaded;
  Status status = again.Load(&loaded);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("journal.00000000000000000001") != std::string::npos);
  CHECK(status.message().find("rejected") == std::string::npos);
  CHECK(status.message().find("bad_alloc") == std::string::npos);
}
#endif

TEST_CASE("Load of a fresh directory finds nothing") {
  TempDir dir;
  LoadedCheckpoint loaded = LoadOk(dir.path());
  CHECK_FALSE(loaded.found);
  CHECK(loaded.warnings.empty());
}

TEST_CASE("Load of a missing directory finds nothing") {
  TempDir dir;
  CHECK_FALSE(LoadOk(dir / "missing").found);
}

TEST_CASE("Committed checkpoint loads back with mode 0600") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Commit(store, 5);
  CHECK(store.generation() == 1);
  LoadedCheckpoint loaded = LoadOk(dir.path());
  REQUIRE(loaded.found);
  CHECK(loaded.checkpoint == WithRecords(5));
  CHECK(loaded.path == dir / Name(1));
  CHECK(loaded.warnings.empty());
  struct stat st;
  REQUIRE(::stat(loaded.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("Commits keep exactly the two newest generations") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Commit(store, 1);
  Commit(store, 2);
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Name(1), Name(2)});
  Commit(store, 3);
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Name(2), Name(3)});
  Commit(store, 4);
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Name(3), Name(4)});
  CHECK(LoadOk(dir.path()).checkpoint.records == 4);
}

TEST_CASE("Load continues the generation numbering") {
  TempDir dir;
  {
    CheckpointStore first(dir.path());
    Commit(first, 1);
    Commit(first, 2);
  }
  CheckpointStore second(dir.path());
  LoadedCheckpoint loaded;
  REQUIRE(second.Load(&loaded).ok());
  CHECK(second.generation() == 2);
  Commit(second, 3);
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Name(2), Name(3)});
}

TEST_CASE("Corrupt newest generation falls back to the previous one with a warning") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Commit(store, 1);
  Commit(store, 2);
  Corrupt(dir / Name(2));
  LoadedCheckpoint loaded = LoadOk(dir.path());
  REQUIRE(loaded.found);
  CHECK(loaded.checkpoint.records == 1);
  CHECK(loaded.path == dir / Name(1));
  REQUIRE(loaded.warnings.size() == 1);
  CHECK(loaded.warnings[0] == dir / Name(2) + ": checksum mismatch");
}

TEST_CASE("Commit after a corrupt newest generation never overwrites it and keeps the good one") {
  TempDir dir;
  {
    CheckpointStore first(dir.path());
    Commit(first, 1);
    Commit(first, 2);
  }
  Corrupt(dir / Name(2));
  CheckpointStore store(dir.path());
  LoadedCheckpoint loaded;
  REQUIRE(store.Load(&loaded).ok());
  CHECK(store.generation() == 2);
  REQUIRE(store.Commit(WithRecords(3)).ok());
  CHECK(store.generation() == 3);
  // Generation 1, the last one that verified, stays as the fallback; the
  // rejected generation 2 is kept aside for a human, not deleted.
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Name(1), Name(2) + ".rejected", Name(3)});
  CHECK(LoadOk(dir.path()).checkpoint.records == 3);
}

TEST_CASE("A generation that cannot be read stops the load instead of falling back") {
  TempDir dir;
  {
    CheckpointStore first(dir.path());
    Commit(first, 1);
  }
  // A read error (here EISDIR) says nothing about the content: falling back to
  // generation 1 and pruning would lose generation 2's progress.
  REQUIRE(mkdir((dir / Name(2)).c_str(), 0700) == 0);
  CheckpointStore store(dir.path());
  LoadedCheckpoint loaded;
  Status status = store.Load(&loaded);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find(Name(2)) != std::string::npos);
  CHECK(status.message().find("not falling back") != std::string::npos);
}

TEST_CASE("Commit without Load still never overwrites an existing file") {
  TempDir dir;
  WriteFileForTest(dir / Name(7), "not a checkpoint");
  CheckpointStore store(dir.path());
  Commit(store, 1);
  CHECK(store.generation() == 8);
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Name(7), Name(8)});
}

TEST_CASE("All generations corrupt is an error naming every file and reason") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Commit(store, 1);
  Commit(store, 2);
  Corrupt(dir / Name(2));
  WriteFileForTest(dir / Name(1), "short");
  CheckpointStore reader(dir.path());
  LoadedCheckpoint loaded;
  Status status = reader.Load(&loaded);
  REQUIRE_FALSE(status.ok());
  CHECK_FALSE(loaded.found);
  CHECK(status.message().find(dir / Name(2) + ": checksum mismatch") != std::string::npos);
  CHECK(status.message().find(dir / Name(1) + ": truncated header (5 of 32 bytes)") !=
        std::string::npos);
  CHECK(reader.generation() == 2);
}

TEST_CASE("Load tells corrupt generations from unreadable ones by the Status code") {
  TempDir dir;
  {
    CheckpointStore first(dir.path());
    Commit(first, 1);
  }
  Corrupt(dir / Name(1));
  LoadedCheckpoint loaded;
  CHECK(CheckpointStore(dir.path()).Load(&loaded).IsCorruption());
  REQUIRE(mkdir((dir / Name(2)).c_str(), 0700) == 0);  // read fails with EISDIR
  CHECK(CheckpointStore(dir.path()).Load(&loaded).code() == Status::Code::kIoError);
}

TEST_CASE("Load leaves temp files alone and ignores unrelated names") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Commit(store, 1);
  const std::string temp = ".tmp." + Name(2) + ".123.1";
  WriteFileForTest(dir / temp, "a commit in progress, or a crashed one");
  WriteFileForTest(dir / "checkpoint.12", "not twenty digits");
  WriteFileForTest(dir / "notes", "unrelated");
  LoadedCheckpoint loaded = LoadOk(dir.path());
  CHECK(loaded.checkpoint.records == 1);
  CHECK(loaded.warnings.empty());
  // A reader beside a running supervisor must not delete its commit in progress.
  CHECK(ListNames(dir.path()) == std::vector<std::string>{temp, Name(1), "checkpoint.12", "notes"});
}

TEST_CASE("RemoveTempFiles removes only temp files") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Commit(store, 1);
  WriteFileForTest(dir / (".tmp." + Name(2) + ".123.1"), "half written");
  WriteFileForTest(dir / "notes", "unrelated");
  store.RemoveTempFiles();
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Name(1), "notes"});
}

TEST_CASE("Reset removes every checkpoint file and restarts the numbering") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Commit(store, 1);
  Commit(store, 2);
  WriteFileForTest(dir / "notes", "unrelated");
  REQUIRE(store.Reset().ok());
  CHECK(ListNames(dir.path()) == std::vector<std::string>{"notes"});
  CHECK_FALSE(LoadOk(dir.path()).found);
  Commit(store, 3);
  CHECK(ListNames(dir.path()) == std::vector<std::string>{Name(1), "notes"});
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
