// Every crash point of a commit: stop after each single syscall of
// CheckpointStore::Commit, drop what was not fsynced, and show that Load
// recovers the old or the new checkpoint, never a mix and never nothing.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "store/checkpoint_store.h"
#include "store/checkpoint_test_util.h"
#include "store/crash_sim_file_ops.h"
#include "store/journal_writer.h"
#include "store/scoped_file_ops.h"

namespace ckwrap {
namespace {

using testing::CrashSimFileOps;
using testing::HasTempFile;
using testing::ListNames;
using testing::ReadFileOrEmpty;
using testing::TempDir;
using testing::WriteFileForTest;

Checkpoint Numbered(int n) {
  Checkpoint c;
  c.has_position = true;
  c.position = "pos-" + std::to_string(n);
  for (int i = 0; i < n * 100; ++i) c.done.insert("id-" + std::to_string(i));
  c.records = static_cast<uint64_t>(n) * 1000;
  c.attempts = static_cast<uint64_t>(n);
  return c;
}

// What a directory left by a crash loads as, and that the store carries on
// from it: a further commit lands and no temp file stays.
void CheckRecovered(const std::string& dir, const Checkpoint* old_state,
                    const Checkpoint& new_state, bool commit_reported_ok,
                    const std::string& image) {
  INFO("image: " << image);
  CheckpointStore store(dir);
  LoadedCheckpoint loaded;
  Status status = store.Load(&loaded);
  REQUIRE_MESSAGE(status.ok(), status.message());
  if (commit_reported_ok) {
    // A commit reported durable survives every crash that follows it.
    REQUIRE(loaded.found);
    CHECK(loaded.checkpoint == new_state);
  } else if (old_state == nullptr) {
    CHECK((!loaded.found || loaded.checkpoint == new_state));
  } else {
    REQUIRE(loaded.found);                                                       // never nothing
    CHECK((loaded.checkpoint == *old_state || loaded.checkpoint == new_state));  // never a mix
  }
  store.RemoveTempFiles();
  Checkpoint next = Numbered(9);
  status = store.Commit(next);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK_FALSE(HasTempFile(dir));
  LoadedCheckpoint reloaded;
  REQUIRE(CheckpointStore(dir).Load(&reloaded).ok());
  CHECK(reloaded.checkpoint == next);
}

using StoreStep = std::function<Status(CheckpointStore&)>;

// Enumerates every crash point of `action` on a store that `prepare` brought
// to old_state (nullptr: nothing committed); returns how many there were.
long EnumerateCrashPoints(const StoreStep& prepare, const StoreStep& action,
                          const Checkpoint* old_state, const Checkpoint& new_state) {
  for (long crash_after = 0;; ++crash_after) {
    INFO("crash after syscall " << crash_after);
    TempDir work;
    CheckpointStore store(work.path());
    LoadedCheckpoint loaded;
    REQUIRE(store.Load(&loaded).ok());
    Status prepared = prepare(store);
    REQUIRE_MESSAGE(prepared.ok(), prepared.message());
    CrashSimFileOps ops(work.path(), crash_after);
    Status status;
    {
      ScopedFileOps scoped(&ops);
      status = action(store);
    }
    // A commit may still report success when the crash only cut its pruning of
    // old generations short; CheckRecovered then requires the new state.
    TempDir lost, torn, kept;
    ops.CrashImage(lost.path(), CrashSimFileOps::Unsynced::kLost);
    ops.CrashImage(torn.path(), CrashSimFileOps::Unsynced::kTorn);
    ops.CrashImage(kept.path(), CrashSimFileOps::Unsynced::kKept);
    CheckRecovered(lost.path(), old_state, new_state, status.ok(),
                   "power loss, unsynced data lost");
    CheckRecovered(torn.path(), old_state, new_state, status.ok(),
                   "power loss, unsynced data torn");
    CheckRecovered(kept.path(), old_state, new_state, status.ok(),
                   "power loss, unsynced data kept");
    CheckRecovered(work.path(), old_state, new_state, status.ok(), "process killed");
    if (!ops.crashed()) {
      CHECK(status.ok());
      return crash_after;  // the action ran to its end: every point was covered
    }
  }
}

// Snapshot commits of Numbered(1..committed) as the starting point.
StoreStep CommitUpTo(int committed) {
  return [committed](CheckpointStore& store) {
    for (int n = 1; n <= committed; ++n) {
      Status status = store.Commit(Numbered(n));
      if (!status.ok()) return status;
    }
    return Status::Ok();
  };
}

StoreStep CommitSnapshot(const Checkpoint& checkpoint) {
  return [checkpoint](CheckpointStore& store) { return store.Commit(checkpoint); };
}

long EnumerateCommitCrashPoints(int committed) {
  Checkpoint old_state = Numbered(committed);
  INFO("generations before: " << committed);
  return EnumerateCrashPoints(CommitUpTo(committed), CommitSnapshot(Numbered(committed + 1)),
                              committed > 0 ? &old_state : nullptr, Numbered(committed + 1));
}

// `from` plus ten journaled DONE ids and a new position.
Checkpoint Advanced(const Checkpoint& from, const std::string& tag) {
  Checkpoint to = from;
  for (int i = 0; i < 10; ++i) to.done.insert(tag + "-" + std::to_string(i));
  to.position = "pos-" + tag;
  to.records += 10;
  return to;
}

// One journal batch taking `from` to `to` (DONE ids only, then COMMIT).
StoreStep AppendBatch(const Checkpoint& from, const Checkpoint& to) {
  return [from, to](CheckpointStore& store) {
    std::vector<std::string_view> added;
    for (std::string_view id : to.done) {
      if (from.done.count(id) == 0) added.push_back(id);
    }
    std::string records;
    AppendJournalDones(&records, added);
    AppendJournalCommit(&records, to);
    return store.AppendJournal(records, /*sync=*/true);
  };
}

StoreStep Then(StoreStep first, StoreStep second) {
  return [first, second](CheckpointStore& store) {
    Status status = first(store);
    return status.ok() ? second(store) : status;
  };
}

TEST_SUITE_BEGIN("store/crash_points");

TEST_CASE("Crash after every syscall of a first commit: nothing or the new checkpoint") {
  CHECK(EnumerateCommitCrashPoints(0) >= 8);
}

TEST_CASE("Crash after every syscall of a commit: the old or the new checkpoint") {
  CHECK(EnumerateCommitCrashPoints(1) >= 8);
}

TEST_CASE("Crash after every syscall of a commit that prunes a generation") {
  // Two generations on disk: the commit also unlinks the older one.
  CHECK(EnumerateCommitCrashPoints(2) >= 9);
}

TEST_CASE("Crash after every syscall of the first journal append (creating the journal)") {
  Checkpoint a = Numbered(1);
  Checkpoint b = Advanced(a, "b");
  CHECK(EnumerateCrashPoints(CommitUpTo(1), AppendBatch(a, b), &a, b) >= 5);
}

TEST_CASE("Crash after every syscall of a journal append to an existing journal") {
  Checkpoint a = Numbered(1);
  Checkpoint b = Advanced(a, "b");
  Checkpoint c = Advanced(b, "c");
  CHECK(EnumerateCrashPoints(Then(CommitUpTo(1), AppendBatch(a, b)), AppendBatch(b, c), &b, c) >=
        2);
}

TEST_CASE("Crash after every syscall of a compaction (snapshot over a journal)") {
  Checkpoint a = Numbered(2);
  Checkpoint b = Advanced(a, "b");
  Checkpoint c = Advanced(b, "c");
  CHECK(EnumerateCrashPoints(Then(CommitUpTo(2), AppendBatch(a, b)), CommitSnapshot(c), &b, c) >=
        9);
}

TEST_CASE("The crash model drops a rename that the directory fsync did not cover") {
  // Checks the model itself, so the tests above cannot pass vacuously.
  TempDir dir;
  WriteFileForTest(dir / "a", "old");
  CrashSimFileOps ops(dir.path(), -1);
  int fd = ops.Open(AT_FDCWD, (dir / "t").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(ops.Write(fd, "new", 3) == 3);
  TempDir before_fsync;
  ops.CrashImage(before_fsync.path(), CrashSimFileOps::Unsynced::kLost);
  CHECK(ListNames(before_fsync.path()) == std::vector<std::string>{"a"});
  REQUIRE(ops.Fsync(fd) == 0);
  REQUIRE(ops.Close(fd) == 0);
  REQUIRE(ops.Rename(AT_FDCWD, (dir / "t").c_str(), (dir / "a").c_str()) == 0);
  TempDir before_dir_fsync;
  ops.CrashImage(before_dir_fsync.path(), CrashSimFileOps::Unsynced::kLost);
  CHECK(ReadFileOrEmpty(before_dir_fsync / "a") == "old");
  int dir_fd = ops.Open(AT_FDCWD, dir.path().c_str(), O_RDONLY | O_DIRECTORY, 0);
  REQUIRE(ops.Fsync(dir_fd) == 0);
  ops.Close(dir_fd);
  TempDir after;
  ops.CrashImage(after.path(), CrashSimFileOps::Unsynced::kLost);
  CHECK(ReadFileOrEmpty(after / "a") == "new");
  CHECK(ListNames(after.path()) == std::vector<std::string>{"a"});
}

TEST_CASE("The crash model loses the data of a file renamed before its fsync") {
  TempDir dir;
  CrashSimFileOps ops(dir.path(), -1);
  int fd = ops.Open(AT_FDCWD, (dir / "t").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  REQUIRE(ops.Write(fd, "data", 4) == 4);
  REQUIRE(ops.Close(fd) == 0);
  REQUIRE(ops.Rename(AT_FDCWD, (dir / "t").c_str(), (dir / "f").c_str()) == 0);
  int dir_fd = ops.Open(AT_FDCWD, dir.path().c_str(), O_RDONLY | O_DIRECTORY, 0);
  REQUIRE(ops.Fsync(dir_fd) == 0);
  ops.Close(dir_fd);
  TempDir lost, kept;
  ops.CrashImage(lost.path(), CrashSimFileOps::Unsynced::kLost);
  ops.CrashImage(kept.path(), CrashSimFileOps::Unsynced::kKept);
  CHECK(ReadFileOrEmpty(lost / "f").empty());
  CHECK(ReadFileOrEmpty(kept / "f") == "data");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
