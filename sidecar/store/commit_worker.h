// The thread-pool side of a commit: one commit at a time runs on libuv's
// worker threads, so reading the job's records never waits on a disk. Commits
// are spaced by --commit-interval unless one is urgent, a failed commit is
// retried from memory (a few times only once the run is ending), and the
// worker decides when the next commit is a whole snapshot (the first, after a
// failure, at compaction, on request).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

#include "base/rate_limited_log.h"
#include "base/status.h"
#include "store/checkpoint.h"
#include "store/checkpoint_store.h"

namespace ckwrap {

struct CommitJob;

// What one commit writes, built on the loop thread by the caller.
struct CommitRequest {
  uint64_t records = 0;  // protocol records the commit covers
  bool snapshot = false;
  // A journal commit: the records since the last commit plus a COMMIT record.
  std::string journal_bytes;
  // A snapshot: everything but the done ids, copied; the done ids are read in
  // place on the worker thread, and the caller must not change them until the
  // commit is done (ids that come meanwhile go elsewhere).
  Checkpoint rest;
  const DoneSet* done_ids = nullptr;
  bool sync = true;  // fdatasync the journal append (--sync none: false)
};

class CommitWorker {
 public:
  // The owner of what is committed, asked on the loop thread.
  class Client {
   public:
    virtual ~Client() = default;
    // Whether anything waits to be committed.
    virtual bool CommitDirty() const = 0;
    // Builds the commit that starts now; the owner's pending state is then clean.
    virtual CommitRequest TakeCommit(bool snapshot) = 0;
    // Whether the run is ending (the job is gone or was told to stop): then a
    // commit that keeps failing is abandoned rather than retried forever.
    virtual bool CommitsEnding() const = 0;
    // When the commit is durable or has failed. After a failure the owner
    // marks its state dirty again: it is redone from memory.
    virtual void OnCommitDone(const Status& status, uint64_t records, bool snapshot) = 0;
    // A commit written on the loop thread is durable, before OnCommitDone
    // (the loop's next turn): what waits only for that, a SYNC's
    // acknowledgement, is sent at once instead of after the loop turns.
    virtual void OnCommitDurable(uint64_t /*records*/) {}
    // The journal bytes of a commit that ended, for the owner to build a later
    // commit in: a flood of records then reuses warm memory instead of
    // growing a fresh buffer (and faulting its pages in) every commit.
    virtual void ReuseJournalBuffer(std::string /*buffer*/) {}
  };

  CommitWorker(uv_loop_t* loop, CheckpointStore* store, uint64_t interval_ms, Client* client);
  CommitWorker(const CommitWorker&) = delete;
  CommitWorker& operator=(const CommitWorker&) = delete;

  // Starts a commit if something is dirty and none runs: at once when urgent
  // (a SYNC waits, the run ends, a buffer is full), else once the interval
  // since the last commit's start has passed (a timer then starts it).
  void Start(bool urgent);
  // The next commit writes a whole snapshot, as after a failure or at
  // compaction.
  void RequestSnapshot() { snapshot_next_ = true; }
  bool in_flight() const { return in_flight_; }
  // From the start of the commit that ended last to the end of its write
  // (durable or failed), in microseconds: for its commit event. No other commit starts
  // meanwhile, so a long one (a snapshot of many ids, a slow disk) is a
  // wait for records that fill the pending bound.
  uint64_t last_duration_us() const { return last_duration_us_; }
  // Gave up saving after kEndingAttempts failures while ending: nothing more
  // is committed; the previous commit on disk is intact.
  bool abandoned() const { return abandoned_; }
  // Why commits were abandoned, for the run's summary: a failing disk, or at
  // once because a newer writer owns the state directory (Status::Conflict,
  // fenced_): the run then stops without writing.
  const char* why_abandoned() const {
    return fenced_ ? "another ckwrap writes this state directory; stopped without writing"
                   : "the last checkpoint could not be saved";
  }

 private:
  static constexpr uint64_t kRetryMs = 1000;
  static constexpr int kEndingAttempts = 5;
  // A commit on the loop thread slower than this sends the next ones to the
  // worker threads for kLoopBackoffMs.
  static constexpr uint64_t kLoopMaxMs = 20;
  static constexpr uint64_t kLoopBackoffMs = 10000;
  bool MustWait(bool urgent);
  static void Write(CommitJob* job);
  bool RunsOnLoop(bool urgent, const CommitRequest& request) const;
  void RunOnLoop(CommitJob* job);
  void OnFailed(const Status& status);
  void OnDone(CommitJob* job);

  uv_loop_t* loop_;
  CheckpointStore* store_;
  const uint64_t interval_ms_;
  Client* client_;
  uv_timer_t interval_timer_{};  // the next commit is due
  uv_timer_t retry_timer_{};     // a failed commit is tried again
  uv_idle_t written_idle_{};     // reports the commit written on the loop
  CommitJob* written_on_loop_ = nullptr;
  bool in_flight_ = false;
  bool retry_wait_ = false;
  bool snapshot_next_ = true;  // a run's first commit is a snapshot
  bool abandoned_ = false;
  bool fenced_ = false;
  int ending_failures_ = 0;
  uint64_t last_start_ms_ = 0;     // uv_now() when the last commit started
  uint64_t on_loop_after_ms_ = 0;  // commits may run on the loop from then on
  uint64_t last_duration_us_ = 0;
  // A full disk fails a commit every kRetryMs for as long as it stays full.
  RateLimitedLog failures_{"checkpoint not saved"};
};

}  // namespace ckwrap
