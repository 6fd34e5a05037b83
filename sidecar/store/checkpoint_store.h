// The generations of checkpoint files in one state directory.
//
// A generation is a snapshot, checkpoint.<generation> (20 zero-padded decimal
// digits), plus its journal, journal.<generation>: the records committed after
// the snapshot was taken (journal_format.h). A snapshot commit (the first of a
// run, and each compaction) writes generation N+1 with DurableReplace, which
// makes the switch durable, and only then removes the older generations except
// the newest one known to verify (normally N; the loaded one if N was corrupt),
// which is kept with its journal as the fallback. Generation numbers only go
// up, past every file on disk, so a corrupt file is never overwritten. Between
// snapshots, each commit appends one batch to the journal: O(new records).
// Fencing (store/fencing.h): a snapshot is published only under a name that
// is free (never renamed over one), and a store that finds a generation
// newer than its own fails the commit with a Conflict, writing nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/checkpoint.h"
#include "store/directory.h"
#include "store/journal_writer.h"

namespace ckwrap {

// A journal longer than max(this, its snapshot) is compacted into a new
// snapshot (commit_worker.cc); so loading can size the done set from it.
constexpr uint64_t kCompactMinJournalBytes = 8 << 20;

struct LoadedCheckpoint {
  bool found = false;  // false: no checkpoint file exists (a fresh start)
  Checkpoint checkpoint;
  std::string path;  // the file the checkpoint came from
  // One message per newer generation that failed to verify, naming the file
  // and the reason; non-empty means Load fell back to an older generation.
  std::vector<std::string> warnings;
  uint64_t snapshot_bytes = 0;
  // The loaded generation's journal ("" if it has none) and what replaying it found.
  std::string journal_path;
  uint64_t journal_bytes = 0;       // the valid part
  uint64_t journal_torn_bytes = 0;  // a torn tail after it, ignored (see RepairTornTail)
  uint64_t journal_commits = 0;
};

// Every file is opened, renamed and removed relative to one descriptor of the
// directory (store/directory.h), never through a symlink.
class CheckpointStore {
 public:
  // For readers (inspect, status) and tests: the directory is opened on first
  // use, through a symlink too (reading through one harms nothing); a missing
  // one loads as "no checkpoint".
  explicit CheckpointStore(std::string dir);
  // For the run and reset, with a directory already opened and checked
  // (OpenStateDir in store/state_lock.h).
  explicit CheckpointStore(Directory dir);

  // Loads the newest generation that verifies. Read-only: safe beside a
  // running supervisor (inspect, status).
  // If checkpoint files exist and none verifies, returns an error naming every
  // file and its reason: never a silent fresh start.
  Status Load(LoadedCheckpoint* out);

  // Removes temp files a crashed commit left. Only for the lock holder: a
  // temp file may be a commit in progress.
  void RemoveTempFiles();

  // Cuts the torn tail Load found off the loaded journal, so the file holds
  // only what verified. Only for the lock holder.
  Status RepairTornTail(const LoadedCheckpoint& loaded);

  // Durably writes the checkpoint as the next generation (a snapshot; its
  // journal starts empty), then prunes. Written in pieces: the file is never
  // held whole in memory.
  // Not thread-safe: at most one Commit or AppendJournal in flight (either may
  // run on a worker thread).
  Status Commit(const Checkpoint& checkpoint);
  // The same with the done ids taken from done instead of rest.done (a set
  // the loop only reads while a worker thread writes it out).
  Status Commit(const Checkpoint& rest, const DoneSet& done);

  // Appends whole journal records (ending with a COMMIT record) to the journal
  // of the snapshot this store last committed, creating it if needed; with
  // sync, fdatasyncs them. Fails if this store has committed no snapshot yet or
  // a previous append failed: the caller then commits a snapshot.
  Status AppendJournal(std::string_view records, bool sync);
  uint64_t journal_bytes() const { return journal_.bytes(); }
  uint64_t snapshot_bytes() const { return snapshot_bytes_; }

  // Removes every checkpoint file (ckwrap reset), and the files named in
  // also_remove that were written from the checkpoint (the job's resume
  // files) when present. A rejected generation set aside is kept.
  Status Reset(const std::vector<std::string>& also_remove = {});

  const std::string& dir() const { return path_; }
  // The open directory (for the resume files written beside the checkpoint).
  const Directory& directory() const { return dir_; }
  uint64_t generation() const { return generation_; }

 private:
  // One pass over a listing; *pruned when a listed file vanished meanwhile.
  Status LoadListing(LoadedCheckpoint* out, bool* pruned);
  // A Conflict naming the newer writer if one has moved past generation_.
  Status CheckJournalFence();
  // Opens path_ if the directory is not open yet.
  Status OpenDir();

  std::string path_;
  Directory dir_;
  uint64_t generation_ = 0;  // newest generation on disk
  // Newest generation known to verify (loaded or committed by us); 0 if none.
  uint64_t last_good_ = 0;
  uint64_t snapshot_bytes_ = 0;
  bool journal_writable_ = false;  // last_good_ is a snapshot we committed
  // Once the store has loaded, reset or committed, generation_ is this
  // writer's epoch: a newer file on disk is another writer's, and fences
  // this one out (FENCING). Before that (a store used without Load) the
  // newest file on disk is simply continued.
  bool fenced_in_ = false;
  WriterId writer_;  // recorded in every snapshot
  JournalWriter journal_;
};

}  // namespace ckwrap
