// What the job has told ckwrap, applied to the checkpoint in memory: records,
// DONE ids in batches, declared outputs, SYNC tokens waiting for a durable
// commit, and whether this run made progress. It also builds each commit's
// request. No libuv and no clock of its own: unit-tested directly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/rate_limited_log.h"
#include "base/side_thread.h"
#include "intake/protocol.h"
#include "store/checkpoint.h"
#include "store/commit_worker.h"
#include "supervise/reached_before.h"
#include "supervise/sent_sizes.h"

namespace ckwrap {

struct StatusSnapshot;

class JobState {
 public:
  explicit JobState(Checkpoint checkpoint);

  // Both wait for the DONE ids handed off first (HandOffDoneBatch).
  const Checkpoint& checkpoint() {
    SettleDoneBatch();
    return checkpoint_;
  }
  // For the supervisor's own counters (attempts, restarts, completion, the
  // progress-file cursor); a change must be followed by MarkDirty().
  Checkpoint& mutable_checkpoint() {
    SettleDoneBatch();
    return checkpoint_;
  }

  // One record from the job. Progress means something new (reached_before.h):
  // a DONE or FAIL id not seen before, a CKPT position not reached before, a
  // STATE value the key has not had; a repeated position, id or value is not.
  // Returns why the record was refused (it is then neither applied nor
  // counted: a SIZE for a file that is not a declared output), else "".
  std::string Apply(const Record& record);
  // A file the job appends to (--output, OUTPUT): its size commits with each
  // CKPT/DONE and a resume truncates it back. The size is the one the job
  // sent with the record (SIZE), else the one ckwrap sees when it reads it.
  void DeclareOutput(const std::string& path);
  // DONE ids wait in a batch until this (before every commit, decision and
  // status line): a flood of DONE lines is several times faster that way.
  void FlushDoneBatch();
  // After each read: a large batch goes to a thread of its own, which adds
  // it to the done set and journals its new ids while the loop thread reads
  // and parses the next one, so a flood uses both cores (while that thread
  // is busy the batch waits, up to a bound); a small batch is flushed. Until
  // the batch handed off is settled (every member that reads the done ids
  // or the journal records settles it first), they are that thread's.
  void HandOffDoneBatch();

  void MarkDirty() { dirty_ = true; }
  bool dirty() const { return dirty_; }
  // A new run starts with no progress of its own.
  void BeginRun();
  bool progressed() {
    SettleDoneBatch();
    return progressed_;
  }
  // A resumed run's first CKPT was behind the position it resumed from (the
  // job ignores --resume-from?): true once in the life of this JobState (one
  // warning, however many runs), then Take clears it.
  bool went_back() const { return went_back_; }
  // The first position and the resume position; clears went_back().
  std::pair<std::string, std::string> TakeWentBack();
  // Bytes held in memory for commits not yet durable (backpressure): DONE
  // ids in the batch, and what every record since the last durable commit
  // added (journal bytes, ids in the set or aside, SYNC tokens, declared
  // outputs). A failed commit does not lower it: while commits fail it only
  // grows, so reading stays paused until one succeeds.
  size_t PendingBytes() const;
  // DONE ids known, committed or not.
  uint64_t DoneCount() {
    SettleDoneBatch();
    return checkpoint_.done.size() + done_overflow_.size();
  }
  // "position N", or "no position", for messages.
  std::string Where() const {
    return checkpoint_.has_position ? "position " + checkpoint_.position : "no position";
  }
  // Why a run gave up with 76: where the job is stuck, or that it never sent
  // a record, and where the next run starts.
  std::string StuckMessage();
  // What the status line shows (the DONE batch flushed first).
  StatusSnapshot Snapshot();

  // The commit that starts now. For a snapshot the done ids are read in place
  // until OnSnapshotDone(); ids that come meanwhile wait aside.
  CommitRequest TakeCommit(bool snapshot, bool sync, int64_t now_unix_ms);
  void OnSnapshotDone();
  // A commit's journal bytes, written: the next commit is built in them.
  void ReuseJournalBuffer(std::string buffer);
  // After every commit taken: a durable one releases what it covered.
  void OnCommitEnded(bool durable);

  bool sync_waiting() const { return !sync_waiting_.empty(); }
  // The tokens of the SYNC records a durable commit of committed_records covers.
  std::vector<std::string> TakeAcknowledged(uint64_t committed_records);
  // The job that waited is gone (a new attempt): its tokens go with it.
  void DropSyncWaiters() { sync_waiting_.clear(); }

 private:
  void ApplyPosition(std::string_view position);
  std::string ApplySize(const Record& record);
  void ObserveOutputs();
  uint64_t NextOutputSize(size_t i);
  void HashOutputTails();
  // DONE ids read but not yet looked up: (offset, size) in bytes; then what
  // looking them up found.
  struct DoneBatch {
    std::vector<std::pair<size_t, size_t>> at;
    std::string bytes;
    bool any_new = false;
    size_t journaled = 0;  // bytes of DONES records
    // InsertDoneBatch's scratch: the ids' views, whether each is known or new.
    std::vector<std::string_view> ids;
    std::unique_ptr<bool[]> flags;
    size_t flags_size = 0;
    // For PendingBytes until it is settled.
    size_t Held() const;
  };
  // Room in the journal records for a flood, before coming is inserted.
  void ReserveJournalForFlood(const DoneBatch& coming);
  // Into the set (aside while a snapshot reads it), its new ids journaled:
  // on the side thread or the loop's. Then, on the loop's, what it found
  // counts (progress, bytes held).
  void InsertDoneBatch(DoneBatch* batch);
  void CountDoneBatch(DoneBatch* batch);
  void SettleDoneBatch();
  // The side thread failed (threw): its batch joins the one filling.
  void ReturnHandedOff();
  // append() adds a FAIL or STATE record to the journal records, once the
  // side thread's batch is settled (they are its own until then); held twice
  // until durable: journaled and in the checkpoint.
  template <typename Append>
  void Journal(Append append) {
    SettleDoneBatch();
    const size_t before = journal_pending_.size();
    append();
    Hold(2 * (journal_pending_.size() - before));
  }
  // Counts bytes held until the next durable commit.
  void Hold(size_t bytes) { uncommitted_bytes_ += bytes; }

  Checkpoint checkpoint_;
  bool dirty_ = false;
  bool progressed_ = false;
  ReachedBefore reached_;
  // This run resumed from resumed_at_ and has not sent a CKPT yet.
  bool first_position_due_ = false;
  std::string resumed_at_;
  bool went_back_ = false;
  bool went_back_said_ = false;  // went_back_ is set once only
  std::string went_back_to_;
  // Journal records (DONES/FAIL/STATE) not yet handed to a commit: each
  // commit writes only these plus a COMMIT record, O(new records).
  std::string journal_pending_;
  // The buffer of a commit written, empty, kept for the next (bounded).
  std::string journal_spare_;
  DoneBatch done_batch_;       // filling
  DoneBatch done_handed_off_;  // on done_inserter_ while it is busy
  // A snapshot is being encoded from checkpoint_.done, which is then only
  // read: new ids wait here until it is done.
  bool snapshot_in_flight_ = false;
  DoneSet done_overflow_;
  // (records including the SYNC, token), oldest first.
  std::vector<std::pair<uint64_t, std::string>> sync_waiting_;
  // The sizes whose tail hashes checkpoint_.outputs holds (hashes are taken
  // at commit time from the bytes below the recorded size).
  std::vector<uint64_t> hashed_sizes_;
  // Per declared output, the SIZE records of this run (sent_sizes.h).
  SentSizes sent_sizes_;
  // What records since the last durable commit hold (PendingBytes), and the
  // part of it the commit in flight covers.
  size_t uncommitted_bytes_ = 0;
  size_t in_flight_bytes_ = 0;
  // A declared output that cannot be read fails once per record read: bounded.
  RateLimitedLog output_errors_{"declared output"};
  // Last: it goes first, joined before what its task uses.
  SideThread done_inserter_;
};

}  // namespace ckwrap
