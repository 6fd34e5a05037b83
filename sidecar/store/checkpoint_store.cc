#include "store/checkpoint_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "base/escape.h"
#include "store/checkpoint_format.h"
#include "store/dir_listing.h"
#include "store/durable_file.h"
#include "store/fencing.h"
#include "store/file_ops.h"
#include "store/filenames.h"
#include "store/journal_reader.h"
#include "store/snapshot_reader.h"
#include "store/snapshot_writer.h"

namespace ckwrap {
namespace {

constexpr size_t kMaxJournalBytes = size_t{1} << 40;

// Reads and verifies one generation. Corruption (naming no path) for bytes
// that fail to verify; NotFound if the file is gone; any other error means it
// could not be read at all (EIO, EMFILE, too large...), which says nothing
// about its content.
Status LoadFile(const Directory& dir, uint64_t generation, Checkpoint* out, uint64_t* size) {
  const std::string name = SnapshotFileName(generation);
  int fd;
  Status status = OpenRegularFileAt(dir, name, &fd);
  if (!status.ok()) return status;
  // The journal's size (a stat, nothing opened) sizes the done set for both;
  // at most what compaction lets a journal grow to, so a file planted or
  // grown past it costs no memory before it is read and verified.
  struct stat snapshot {};
  struct stat journal {};
  const bool has_journal = ::fstatat(dir.fd(), JournalFileName(generation).c_str(), &journal,
                                     AT_SYMLINK_NOFOLLOW) == 0 &&
                           S_ISREG(journal.st_mode);
  const uint64_t snapshot_bytes = ::fstat(fd, &snapshot) == 0 ? snapshot.st_size : 0;
  const uint64_t bound = 2 * std::max<uint64_t>(snapshot_bytes, kCompactMinJournalBytes);
  const uint64_t journal_bytes = has_journal ? static_cast<uint64_t>(journal.st_size) : 0;
  status = ReadCheckpointFile(fd, dir.PathOf(name), out, std::min(journal_bytes, bound), size);
  ::close(fd);  // read-only: close() has nothing to report
  return status;
}

// Replays dir/journal.<generation>, if there is one, onto the loaded snapshot.
Status LoadJournal(const Directory& dir, uint64_t generation, LoadedCheckpoint* out) {
  const std::string path = dir.PathOf(JournalFileName(generation));
  std::string bytes;
  Status status = ReadWholeFileAt(dir, JournalFileName(generation), kMaxJournalBytes, &bytes);
  if (status.IsNotFound()) return Status::Ok();  // none yet
  if (!status.ok()) return status;
  JournalReplay replay;
  status = ReplayJournal(bytes, generation, &out->checkpoint, &replay);
  if (!status.ok()) {
    // Never skipped past: the records after the damage may be what a resume needs.
    return Status::Corruption("journal " + path + ": " + status.message() +
                              "; to resume from the intact part, run: truncate -s " +
                              std::to_string(replay.valid_bytes) + " " + path);
  }
  out->journal_path = path;
  out->journal_bytes = replay.valid_bytes;
  out->journal_torn_bytes = replay.torn_bytes;
  out->journal_commits = replay.commits;
  return Status::Ok();
}

// dir/name -> dir/name.rejected: no longer a generation Load would consider.
Status RenameAside(const Directory& dir, const std::string& name) {
  const std::string to = RejectedFileName(name);
  if (file_ops().Rename(dir.fd(), name.c_str(), to.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("rename", dir.PathOf(name), errno);
  }
  return Status::Ok();
}

// Whether dir/name no longer exists. Not how Load learns why a read failed (the
// Status code says that): a missing journal is no failure, and only this tells
// one not yet created from one a commit pruned after our listing.
bool Vanished(const Directory& dir, const std::string& name) {
  return ::faccessat(dir.fd(), name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT;
}

// unlinkat removes a symlink itself, never its target.
Status UnlinkIfPresent(const Directory& dir, const std::string& name) {
  if (file_ops().Unlink(dir.fd(), name.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("unlink", dir.PathOf(name), errno);
  }
  return Status::Ok();
}

// Removes each generation's file (name_of names it) older than fallback. A
// generation newer than the fallback is one that Load rejected: keep it,
// renamed out of the way, for a human to examine; never delete evidence.
void PruneExcept(const Directory& dir, uint64_t fallback, const std::vector<uint64_t>& generations,
                 std::string (*name_of)(uint64_t generation)) {
  for (uint64_t generation : generations) {
    if (generation == fallback) continue;
    if (generation > fallback) {
      (void)RenameAside(dir, name_of(generation));
    } else {
      (void)UnlinkIfPresent(dir, name_of(generation));
    }
  }
}

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

// "holds N commits up to position P", or "" for a journal with no commit
// (nothing to lose). Replayed onto nothing: its DONE/FAIL/STATE are deltas on
// a missing snapshot, but each COMMIT record carries the position.
std::string DescribeOrphan(const Directory& dir, uint64_t generation) {
  std::string bytes;
  if (!ReadWholeFileAt(dir, JournalFileName(generation), kMaxJournalBytes, &bytes).ok()) {
    return "could not be read";
  }
  Checkpoint replayed;
  JournalReplay replay;
  const bool damaged = !ReplayJournal(bytes, generation, &replayed, &replay).ok();
  if (replay.commits == 0) return damaged ? "is damaged" : "";
  return "holds " + std::to_string(replay.commits) + " commits up to " +
         (replayed.has_position ? "position " + Printable(replayed.position) : "no position") +
         (damaged ? " (then damage)" : "");
}

// A journal newer than the loaded generation (loaded: 0 for none) whose
// snapshot is gone cannot be replayed, and dropping it would lose its
// commits: an error naming each one and the ways forward. *relist when its
// snapshot appeared after the listing (a commit beside a reader).
Status CheckOrphanJournals(const Directory& dir, const DirListing& listing, uint64_t loaded,
                           bool* relist) {
  std::vector<std::string> found, moves;
  std::vector<uint64_t> journals = listing.journals;
  std::sort(journals.begin(), journals.end(), std::greater<>());
  for (uint64_t generation : journals) {
    const std::vector<uint64_t>& snapshots = listing.generations;
    if (generation <= loaded ||
        std::find(snapshots.begin(), snapshots.end(), generation) != snapshots.end()) {
      continue;
    }
    if (!Vanished(dir, SnapshotFileName(generation))) {
      *relist = true;
      return Status::Ok();
    }
    const std::string what = DescribeOrphan(dir, generation);
    if (what.empty()) continue;
    const std::string path = dir.PathOf(JournalFileName(generation));
    found.push_back("journal " + path + " " + what + ", but its snapshot " +
                    dir.PathOf(SnapshotFileName(generation)) + " is missing");
    moves.push_back("mv " + path + " " + RejectedFileName(path));
  }
  if (found.empty()) return Status::Ok();
  return Status::Corruption(
      Join(found, "; ") +
      " (a journal holds only the changes since its snapshot: it cannot be replayed without "
      "it). Restore the snapshot to resume from there; or accept the loss: " +
      Join(moves, "; ") + " (then " +
      (loaded == 0 ? std::string("the job starts afresh")
                   : "it resumes from " + dir.PathOf(SnapshotFileName(loaded))) +
      "), or ckwrap reset " + dir.path() + " to forget everything");
}

}  // namespace

CheckpointStore::CheckpointStore(std::string dir) : path_(std::move(dir)), writer_(ThisWriter()) {}

CheckpointStore::CheckpointStore(Directory dir)
    : path_(dir.path()), dir_(std::move(dir)), writer_(ThisWriter()) {}

Status CheckpointStore::OpenDir() {
  if (dir_.is_open()) return Status::Ok();
  return Directory::Open(path_, &dir_, /*follow_link=*/true);
}

Status CheckpointStore::Load(LoadedCheckpoint* out) {
  // A reader beside a running supervisor (inspect) can list a generation that
  // a commit prunes before it is read: then it lists again. Bounded, since a
  // supervisor commits at most a few hundred times a second.
  constexpr int kListingAttempts = 20;
  Status status;
  for (int attempt = 0; attempt < kListingAttempts; ++attempt) {
    bool pruned = false;
    status = LoadListing(out, &pruned);
    if (!pruned) break;
  }
  return status;
}

Status CheckpointStore::LoadListing(LoadedCheckpoint* out, bool* pruned) {
  *out = LoadedCheckpoint();
  Status status = OpenDir();
  if (status.IsNotFound()) return Status::Ok();  // nothing was ever committed there
  if (!status.ok()) return status;
  DirListing listing;
  status = ListDir(dir_, &listing);
  if (!status.ok()) return status;
  // Continue after the newest file even if it is corrupt, so it is never overwritten.
  generation_ = listing.newest();
  std::vector<std::string> failures;
  for (uint64_t generation : listing.generations) {
    const std::string name = SnapshotFileName(generation);
    const std::string path = dir_.PathOf(name);
    status = LoadFile(dir_, generation, &out->checkpoint, &out->snapshot_bytes);
    if (status.IsNotFound()) {
      *pruned = true;  // removed since the listing: not corrupt
      return status;
    }
    if (status.IsCorruption()) {
      failures.push_back(path + ": " + status.message());
      continue;
    }
    // Falling back past a file we merely failed to read would lose its progress.
    if (!status.ok()) {
      return Status::IoError(status.message() + " (not falling back to an older checkpoint)");
    }
    status = LoadJournal(dir_, generation, out);
    if (!status.ok()) return status;
    // A commit prunes a snapshot before its journal: a snapshot gone now means
    // its journal may have gone before we read it (LoadJournal found none). List again.
    if (Vanished(dir_, name)) {
      *pruned = true;
      return status;
    }
    status = CheckOrphanJournals(dir_, listing, generation, pruned);
    if (!status.ok() || *pruned) return status;
    snapshot_bytes_ = out->snapshot_bytes;
    out->found = true;
    out->path = path;
    out->warnings = std::move(failures);
    last_good_ = generation;
    fenced_in_ = true;
    return Status::Ok();
  }
  fenced_in_ = true;  // also a fresh start: a generation that appears now is another writer's
  if (failures.empty()) return CheckOrphanJournals(dir_, listing, 0, pruned);  // or fresh
  return Status::Corruption("no checkpoint in " + path_ + " verifies: " + Join(failures, "; "));
}

void CheckpointStore::RemoveTempFiles() {
  DirListing listing;
  if (!OpenDir().ok() || !ListDir(dir_, &listing).ok()) return;
  // Leftovers of a commit that crashed; never the newest state. Harmless if one stays.
  for (const std::string& temp : listing.temp_files) (void)UnlinkIfPresent(dir_, temp);
}

Status CheckpointStore::RepairTornTail(const LoadedCheckpoint& loaded) {
  if (loaded.journal_torn_bytes == 0) return Status::Ok();
  // The journal Load replayed is the loaded generation's, last_good_.
  return TruncateJournal(dir_, JournalFileName(last_good_), loaded.journal_bytes);
}

Status CheckpointStore::Commit(const Checkpoint& checkpoint) {
  return Commit(checkpoint, checkpoint.done);
}

Status CheckpointStore::Commit(const Checkpoint& rest, const DoneSet& done) {
  const SnapshotWriter snapshot(rest, done, writer_);
  // The journal of the generation being replaced gets no more records.
  Status status = journal_.Close();
  journal_writable_ = false;
  if (!status.ok()) return status;
  // Listed again so a file we did not load (or a failed commit left) is never overwritten.
  DirListing listing;
  status = OpenDir();
  if (status.ok()) status = ListDir(dir_, &listing);
  if (!status.ok()) return status;
  uint64_t newest_on_disk = listing.newest();
  // A generation past every one this store loaded or wrote is a newer
  // writer's: stop before writing anything (FENCING).
  if (fenced_in_ && newest_on_disk > generation_) {
    return FencedBy(dir_, NewestSnapshotAbove(listing, generation_), generation_);
  }
  uint64_t next = std::max(generation_, newest_on_disk) + 1;
  bool published = false;
  status = DurablePublishWithHead(
      dir_, SnapshotFileName(next),
      [&snapshot](const PieceWriter& write, std::string* head) {
        return snapshot.Emit(write, head);
      },
      &published);
  // Taken between our listing and our publish: the other writer won the race.
  if (status.IsConflict()) return FencedBy(dir_, next, generation_);
  // Ours even if the directory sync failed: the next commit goes past it.
  if (published) generation_ = next;
  if (!status.ok()) return status;
  fenced_in_ = true;
  // The switch is durable (DurableReplace synced the directory): from here on a
  // crash loads generation next, and the older files are only fallbacks.
  generation_ = next;
  uint64_t fallback = last_good_ != 0               ? last_good_
                      : listing.generations.empty() ? 0
                                                    : listing.generations.front();
  last_good_ = next;
  snapshot_bytes_ = snapshot.size();
  journal_writable_ = true;
  // Best effort and not synced: an older generation that survives, or comes back
  // after a crash, is only a stale fallback, and the next commit prunes it again.
  // A snapshot goes before its journal: a journal without its snapshot is ignored.
  PruneExcept(dir_, fallback, listing.generations, SnapshotFileName);
  PruneExcept(dir_, fallback, listing.journals, JournalFileName);
  return Status::Ok();
}

Status CheckpointStore::AppendJournal(std::string_view records, bool sync) {
  if (!journal_writable_) {
    return Status::Error("no snapshot to journal against in " + path_);
  }
  Status status = CheckJournalFence();
  if (!status.ok()) {
    (void)journal_.Close();
    journal_writable_ = false;
    return status;
  }
  if (!journal_.is_open()) status = journal_.Create(dir_, last_good_);
  if (status.ok()) status = journal_.Append(records, sync);
  if (!status.ok()) {
    // What reached the file is unknown: this segment takes no more records.
    (void)journal_.Close();
    journal_writable_ = false;
  }
  return status;
}

Status CheckpointStore::CheckJournalFence() {
  bool removed = false;
  Status status = CheckJournalNotFenced(dir_, generation_, journal_.fd(), &removed);
  if (!removed) return status;
  // Pruned by a writer two or more generations on: name its newest snapshot.
  DirListing listing;
  if (!ListDir(dir_, &listing).ok()) return status;
  uint64_t newer = NewestSnapshotAbove(listing, generation_);
  return newer == 0 ? status : FencedBy(dir_, newer, generation_);
}

Status CheckpointStore::Reset(const std::vector<std::string>& also_remove) {
  DirListing listing;
  Status status = OpenDir();
  if (status.ok()) status = ListDir(dir_, &listing);
  if (!status.ok()) return status;
  (void)journal_.Close();
  journal_writable_ = false;
  std::vector<std::string> names = listing.temp_files;
  for (uint64_t generation : listing.generations) names.push_back(SnapshotFileName(generation));
  for (uint64_t generation : listing.journals) names.push_back(JournalFileName(generation));
  names.insert(names.end(), also_remove.begin(), also_remove.end());
  for (const std::string& name : names) {
    status = UnlinkIfPresent(dir_, name);
    if (!status.ok()) return status;
  }
  // The unlinks must persist: a resurrected checkpoint would resume a reset job.
  if (!names.empty()) {
    status = FsyncDir(dir_);
    if (!status.ok()) return status;
  }
  generation_ = 0;
  last_good_ = 0;
  fenced_in_ = true;  // from nothing: whatever appears next is another writer's
  return Status::Ok();
}

}  // namespace ckwrap
