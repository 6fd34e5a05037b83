// Fencing (store/fencing.h): two writers on one state directory that no lock
// keeps apart. The newer one's generations are never overwritten, pruned or
// mixed with the stale one's; the stale one's commits fail with a Conflict
// that names the newer writer, and write nothing.
#include "store/fencing.h"

#include <doctest/doctest.h>
#include <errno.h>
#include <fcntl.h>

#include <string>

#include "store/checkpoint_store.h"
#include "store/checkpoint_test_util.h"
#include "store/encoding_test_util.h"
#include "store/file_ops.h"
#include "store/filenames.h"
#include "store/journal_writer.h"
#include "store/scoped_file_ops.h"

namespace ckwrap {
namespace {

using testing::HasTempFile;
using testing::LoadOk;
using testing::ReadFileOrEmpty;
using testing::TempDir;
using testing::WriteFileForTest;

Checkpoint At(const std::string& position, std::initializer_list<const char*> ids) {
  Checkpoint c;
  c.has_position = true;
  c.position = position;
  for (const char* id : ids) c.done.insert(id);
  return c;
}

// A store that has loaded dir, as a run's does.
void Load(CheckpointStore* store) {
  LoadedCheckpoint loaded;
  Status status = store->Load(&loaded);
  REQUIRE_MESSAGE(status.ok(), status.message());
}

void CommitOk(CheckpointStore* store, const Checkpoint& c) {
  Status status = store->Commit(c);
  REQUIRE_MESSAGE(status.ok(), status.message());
}

std::string JournalOf(const Checkpoint& c) {
  std::string records;
  AppendJournalCommit(&records, c);
  return records;
}

std::string ThisWriterText() {
  const WriterId me = ThisWriter();
  return "pid " + std::to_string(me.pid) + " on host " + me.host;
}

// Another writer publishes the same generation between our listing and our
// publish: the name is taken when RenameNoReplace runs.
class RacedPublish : public FileOps {
 public:
  RacedPublish(std::string dir, std::string other)
      : dir_(std::move(dir)), other_(std::move(other)) {}
  int RenameNoReplace(int dir_fd, const char* from, const char* to) override {
    WriteFileForTest(dir_ + "/" + to, other_);  // to is relative to dir_fd
    return FileOps::RenameNoReplace(dir_fd, from, to);
  }

 private:
  std::string dir_;
  std::string other_;
};

// stale commits generation 1 and appends to its journal; then newer loads
// that (its lock broken: both write).
void StaleWithJournalThenNewer(CheckpointStore* stale, CheckpointStore* newer) {
  Load(stale);
  CommitOk(stale, At("p1", {"a"}));
  REQUIRE(stale->AppendJournal(JournalOf(At("p2", {})), true).ok());
  Load(newer);
}

TEST_SUITE_BEGIN("store/fencing");

TEST_CASE("The exclusive publish fails with EEXIST on a taken name and keeps the other's file") {
  TempDir dir;
  CheckpointStore store(dir.path());
  Load(&store);
  const std::string theirs = testing::SnapshotBytes(At("theirs", {"t"}));
  RacedPublish raced(dir.path(), theirs);
  Status status;
  {
    ScopedFileOps scoped(&raced);
    status = store.Commit(At("ours", {"o"}));
  }
  CHECK(status.IsConflict());
  CHECK(status.message().find("generation 1") != std::string::npos);
  CHECK(status.message().find("stops without writing") != std::string::npos);
  // Theirs is intact, ours left nothing behind.
  CHECK(ReadFileOrEmpty(dir.path() + "/" + SnapshotFileName(1)) == theirs);
  CHECK_FALSE(HasTempFile(dir.path()));
  CHECK(LoadOk(dir.path()).checkpoint.position == "theirs");
}

TEST_CASE("RenameNoReplace refuses an existing name and leaves both files") {
  TempDir dir;
  WriteFileForTest(dir.path() + "/a", "from");
  WriteFileForTest(dir.path() + "/b", "there");
  errno = 0;
  CHECK(file_ops().RenameNoReplace(AT_FDCWD, (dir.path() + "/a").c_str(),
                                   (dir.path() + "/b").c_str()) == -1);
  CHECK(errno == EEXIST);
  CHECK(ReadFileOrEmpty(dir.path() + "/b") == "there");
  CHECK(ReadFileOrEmpty(dir.path() + "/a") == "from");
  CHECK(file_ops().RenameNoReplace(AT_FDCWD, (dir.path() + "/a").c_str(),
                                   (dir.path() + "/c").c_str()) == 0);
  CHECK(ReadFileOrEmpty(dir.path() + "/c") == "from");
}

TEST_CASE("A stale writer's snapshot stops at a newer generation, naming its writer") {
  TempDir dir;
  CheckpointStore stale(dir.path());
  Load(&stale);
  CommitOk(&stale, At("p1", {"a"}));
  CheckpointStore newer(dir.path());  // its lock broken: both write
  Load(&newer);
  CommitOk(&newer, At("p9", {"a", "b", "c"}));
  Status status = stale.Commit(At("p2", {"a", "x"}));
  REQUIRE(status.IsConflict());
  CHECK(status.message().find(ThisWriterText()) != std::string::npos);
  CHECK(status.message().find("generation 2") != std::string::npos);
  // Nothing of the stale writer's: the newer generation still loads whole.
  const LoadedCheckpoint loaded = LoadOk(dir.path());
  CHECK(loaded.checkpoint.position == "p9");
  CHECK(loaded.checkpoint.done.size() == 3);
  CHECK(loaded.checkpoint.writer.pid == ThisWriter().pid);
  CHECK(loaded.path == dir.path() + "/" + SnapshotFileName(2));
}

TEST_CASE("A stale writer's journal append stops once a newer snapshot exists") {
  TempDir dir;
  CheckpointStore stale(dir.path()), newer(dir.path());
  StaleWithJournalThenNewer(&stale, &newer);
  CommitOk(&newer, At("p9", {"a", "b"}));
  const std::string journal = ReadFileOrEmpty(dir.path() + "/" + JournalFileName(1));
  Status status = stale.AppendJournal(JournalOf(At("p3", {})), true);
  CHECK(status.IsConflict());
  CHECK(ReadFileOrEmpty(dir.path() + "/" + JournalFileName(1)) == journal);  // not appended
  CHECK(LoadOk(dir.path()).checkpoint.position == "p9");
}

TEST_CASE("A stale writer whose journal a newer one pruned stops, naming the newest generation") {
  TempDir dir;
  CheckpointStore stale(dir.path()), newer(dir.path());
  StaleWithJournalThenNewer(&stale, &newer);
  // Generations 2, 3, 4: 1 (the stale one's) and then 2 are pruned.
  for (const char* position : {"p7", "p8", "p9"}) CommitOk(&newer, At(position, {"a", "b"}));
  Status status = stale.AppendJournal(JournalOf(At("p3", {})), true);
  REQUIRE(status.IsConflict());
  CHECK(status.message().find("generation 4") != std::string::npos);
  CHECK(LoadOk(dir.path()).checkpoint.position == "p9");
}

TEST_CASE("A newer generation from an earlier release (no writer recorded) fences too") {
  TempDir dir;
  CheckpointStore stale(dir.path());
  Load(&stale);
  CommitOk(&stale, At("p1", {"a"}));
  WriteFileForTest(dir.path() + "/" + SnapshotFileName(2), testing::SnapshotBytes(At("p9", {})));
  Status status = stale.Commit(At("p2", {}));
  REQUIRE(status.IsConflict());
  CHECK(status.message().find("recorded no pid") != std::string::npos);
  CHECK(LoadOk(dir.path()).checkpoint.writer.pid == 0);  // the old format still reads
}

TEST_CASE("A store that never loaded continues after the newest file, as before") {
  TempDir dir;
  CheckpointStore first(dir.path());
  CommitOk(&first, At("p1", {}));
  CheckpointStore second(dir.path());
  CommitOk(&second, At("p2", {}));
  CHECK(LoadOk(dir.path()).path == dir.path() + "/" + SnapshotFileName(2));
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
