// Fault injection through the FileOps seam: ENOSPC, EIO and EINTR from every
// syscall of a commit. The last good checkpoint stays intact, the error names
// the path, and the same commit redone from memory afterwards lands.
#include <doctest/doctest.h>
#include <errno.h>
#include <fcntl.h>

#include <cstring>
#include <string>
#include <vector>

#include "store/checkpoint_store.h"
#include "store/checkpoint_test_util.h"
#include "store/file_ops.h"
#include "store/journal_writer.h"
#include "store/scoped_file_ops.h"

namespace ckwrap {
namespace {

using testing::HasTempFile;
using testing::TempDir;

// Real syscalls, except that calls of one kind fail with one errno: every such
// call, or only the first one (a transient fault such as EINTR).
// Kinds: open, write, fsync, fdatasync, close, rename, unlink, dir-open,
// dir-fsync, dir-close.
class FaultOps : public FileOps {
 public:
  FaultOps(std::string kind, int error, bool once)
      : kind_(std::move(kind)), error_(error), once_(once) {}

  int Open(int dir_fd, const char* path, int flags, mode_t mode) override {
    bool is_dir = (flags & O_DIRECTORY) != 0;
    if (Fails(is_dir ? "dir-open" : "open")) return -1;
    int fd = FileOps::Open(dir_fd, path, flags, mode);
    if (is_dir) dir_fds_.push_back(fd);
    return fd;
  }
  ssize_t Write(int fd, const void* buf, size_t count) override {
    if (Fails("write")) return -1;
    return FileOps::Write(fd, buf, count);
  }
  ssize_t Pwrite(int fd, const void* buf, size_t count, off_t offset) override {
    if (Fails("pwrite")) return -1;
    return FileOps::Pwrite(fd, buf, count, offset);
  }
  int Fsync(int fd) override {
    if (Fails(IsDir(fd) ? "dir-fsync" : "fsync")) return -1;
    return FileOps::Fsync(fd);
  }
  int Fdatasync(int fd) override {
    if (Fails("fdatasync")) return -1;
    return FileOps::Fdatasync(fd);
  }
  int Close(int fd) override {
    bool is_dir = IsDir(fd);
    int rc = FileOps::Close(fd);  // the fd is released even when close reports an error
    if (Fails(is_dir ? "dir-close" : "close")) return -1;
    return rc;
  }
  int Rename(int dir_fd, const char* from, const char* to) override {
    if (Fails("rename")) return -1;
    return FileOps::Rename(dir_fd, from, to);
  }
  int RenameNoReplace(int dir_fd, const char* from, const char* to) override {
    if (Fails("rename")) return -1;
    return FileOps::RenameNoReplace(dir_fd, from, to);
  }
  int Unlink(int dir_fd, const char* path) override {
    if (Fails("unlink")) return -1;
    return FileOps::Unlink(dir_fd, path);
  }

  int injected = 0;

 private:
  bool IsDir(int fd) const {
    for (int d : dir_fds_) {
      if (d == fd) return true;
    }
    return false;
  }
  bool Fails(const char* kind) {
    if (kind_ != kind || (once_ && injected > 0)) return false;
    ++injected;
    errno = error_;
    return true;
  }
  std::string kind_;
  int error_;
  bool once_;
  std::vector<int> dir_fds_;
};

Checkpoint At(const std::string& position) {
  Checkpoint c;
  c.has_position = true;
  c.position = position;
  c.done = {"a", "b", position};
  return c;
}

Checkpoint LoadFound(const std::string& dir) {
  LoadedCheckpoint loaded = testing::LoadOk(dir);
  REQUIRE(loaded.found);
  return loaded.checkpoint;
}

// pwrite: the snapshot's header, with the checksum, written over its start last.
const char* const kKinds[] = {"open",   "write",  "pwrite",   "fsync",     "close",
                              "rename", "unlink", "dir-open", "dir-fsync", "dir-close"};

// Steps after which the new file is already in place (renamed): the commit is
// reported failed, yet a crash may or may not keep the new file.
bool AfterRename(const std::string& kind) { return kind.rfind("dir-", 0) == 0; }

void CheckFault(const std::string& kind, int error, bool once) {
  INFO("fault: " << kind << " fails with " << std::string(std::strerror(error))
                 << (once ? " once" : " always"));
  TempDir dir;
  CheckpointStore store(dir.path());
  REQUIRE(store.Commit(At("old-1")).ok());
  REQUIRE(store.Commit(At("old")).ok());
  FaultOps ops(kind, error, once);
  Status status;
  {
    ScopedFileOps scoped(&ops);
    status = store.Commit(At("new"));
  }
  REQUIRE(ops.injected > 0);  // the fault was hit: the commit does use this syscall
  CHECK_FALSE(HasTempFile(dir.path()));
  if (kind == "unlink" || (error == EINTR && (kind == "write" || kind == "pwrite" ||
                                              kind == "fsync" || kind == "dir-fsync"))) {
    // Pruning is best effort once the new generation is durable; EINTR from
    // write and fsync is retried.
    CHECK_MESSAGE(status.ok(), status.message());
    CHECK(LoadFound(dir.path()) == At("new"));
    return;
  }
  // Reported, with the path and the reason: never assumed to have succeeded.
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find(dir.path()) != std::string::npos);
  CHECK(status.message().find(std::strerror(error)) != std::string::npos);
  // The last good checkpoint is intact (a failure after the rename leaves the
  // new file in place, which is as good: it verifies).
  Checkpoint after_failure = LoadFound(dir.path());
  if (AfterRename(kind)) {
    CHECK((after_failure == At("old") || after_failure == At("new")));
  } else {
    CHECK(after_failure == At("old"));
  }
  // The supervisor redoes a failed commit from memory: it lands once the fault is gone.
  Status retried = store.Commit(At("new"));
  REQUIRE_MESSAGE(retried.ok(), retried.message());
  CHECK(LoadFound(dir.path()) == At("new"));
  CHECK_FALSE(HasTempFile(dir.path()));
}

TEST_SUITE_BEGIN("store/fault_injection");

TEST_CASE("ENOSPC from every syscall of a commit keeps the last checkpoint and names the path") {
  for (const char* kind : kKinds) CheckFault(kind, ENOSPC, /*once=*/false);
}

TEST_CASE("EIO from every syscall of a commit keeps the last checkpoint and names the path") {
  for (const char* kind : kKinds) CheckFault(kind, EIO, /*once=*/false);
}

TEST_CASE("EINTR once from every syscall of a commit: retried, or reported and redone") {
  for (const char* kind : kKinds) CheckFault(kind, EINTR, /*once=*/true);
}

// A journal batch: DONE of the position, then COMMIT.
std::string Batch(const Checkpoint& to) {
  std::string records;
  AppendJournalDones(&records, {to.position});
  AppendJournalCommit(&records, to);
  return records;
}

void CheckJournalFault(const std::string& kind, int error, bool first_append) {
  INFO("journal fault: " << kind << " fails with " << std::string(std::strerror(error))
                         << (first_append ? " (first append)" : " (later append)"));
  TempDir dir;
  CheckpointStore store(dir.path());
  REQUIRE(store.Commit(At("old")).ok());
  Checkpoint last_good = At("old");
  if (!first_append) {
    REQUIRE(store.AppendJournal(Batch(At("old+1")), true).ok());
    last_good.position = "old+1";
    last_good.done.insert("old+1");
  }
  FaultOps ops(kind, error, /*once=*/false);
  Status status;
  {
    ScopedFileOps scoped(&ops);
    status = store.AppendJournal(Batch(At("new")), true);
  }
  if (ops.injected == 0) return;  // this append does not make that call
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find(dir.path()) != std::string::npos);
  CHECK(status.message().find(std::strerror(error)) != std::string::npos);
  Checkpoint after_failure = LoadFound(dir.path());
  if (kind == "fdatasync") {
    // Written but not known to be durable: a reader may see it (it is the state
    // being redone), and it must not be counted on.
    Checkpoint appended = last_good;
    appended.position = "new";
    appended.done.insert("new");
    CHECK((after_failure == last_good || after_failure == appended));
  } else {
    CHECK(after_failure == last_good);
  }
  // The segment takes no more records: the supervisor redoes the commit from
  // memory as a snapshot, which lands once the fault is gone.
  CHECK_FALSE(store.AppendJournal(Batch(At("new")), true).ok());
  Status redone = store.Commit(At("new"));
  REQUIRE_MESSAGE(redone.ok(), redone.message());
  CHECK(LoadFound(dir.path()) == At("new"));
}

TEST_CASE("ENOSPC and EIO from every syscall of a journal append: reported, redone as a snapshot") {
  for (const char* kind : {"open", "write", "fdatasync", "dir-open", "dir-fsync"}) {
    for (int error : {ENOSPC, EIO}) {
      CheckJournalFault(kind, error, /*first_append=*/true);
      CheckJournalFault(kind, error, /*first_append=*/false);
    }
  }
}

TEST_CASE("A failed fsync is a lost commit even if a later fsync succeeds") {
  // After a failed fsync the kernel may have dropped the dirty pages and a
  // second fsync can report success for data that is gone: the store must not
  // retry the fsync of the same file, but report the commit lost.
  TempDir dir;
  CheckpointStore store(dir.path());
  REQUIRE(store.Commit(At("old")).ok());
  FaultOps ops("fsync", EIO, /*once=*/true);
  Status status;
  {
    ScopedFileOps scoped(&ops);
    status = store.Commit(At("new"));
  }
  CHECK_FALSE(status.ok());
  CHECK(LoadFound(dir.path()) == At("old"));
  CHECK_FALSE(HasTempFile(dir.path()));
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
