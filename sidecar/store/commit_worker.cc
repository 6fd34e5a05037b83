#include "store/commit_worker.h"

#include <algorithm>
#include <memory>

#include "base/log.h"

namespace ckwrap {
struct CommitJob {
  uv_work_t work{};
  CheckpointStore* store = nullptr;
  CommitRequest request;
  Status status;
  CommitWorker* worker = nullptr;
  uint64_t start_ns = 0;     // uv_hrtime() when it was taken
  uint64_t duration_us = 0;  // from then to the end of its write (durable or failed)
};

CommitWorker::CommitWorker(uv_loop_t* loop, CheckpointStore* store, uint64_t interval_ms,
                           Client* client)
    : loop_(loop), store_(store), interval_ms_(interval_ms), client_(client) {
  for (uv_timer_t* timer : {&interval_timer_, &retry_timer_}) {
    uv_timer_init(loop_, timer);
    timer->data = this;
  }
  uv_idle_init(loop_, &written_idle_);
  written_idle_.data = this;
}

bool CommitWorker::MustWait(bool urgent) {
  // A job checkpointing thousands of times a second would otherwise get an
  // fdatasync (and two thread hand-offs) per record or two; spacing the
  // commits keeps ckwrap's cost per record small. Nothing that waits for a
  // commit is delayed: the caller says urgent.
  if (urgent || interval_ms_ == 0) return false;
  const uint64_t due = last_start_ms_ + interval_ms_;
  const uint64_t now = uv_now(loop_);
  if (now >= due) return false;
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&interval_timer_))) {
    uv_timer_start(
        &interval_timer_,
        [](uv_timer_t* timer) { static_cast<CommitWorker*>(timer->data)->Start(false); }, due - now,
        0);
  }
  return true;
}

void CommitWorker::Start(bool urgent) {
  if (in_flight_ || retry_wait_ || abandoned_ || !client_->CommitDirty() || MustWait(urgent))
    return;
  last_start_ms_ = uv_now(loop_);
  auto* job = new CommitJob;
  job->start_ns = uv_hrtime();
  job->store = store_;
  // O(all ids) for a snapshot, but only at a run's start and end and at
  // compaction, which comes after a journal as large as the snapshot: O(1)
  // per record amortized.
  job->request = client_->TakeCommit(snapshot_next_);
  snapshot_next_ = false;
  job->worker = this;
  job->work.data = job;
  in_flight_ = true;
  if (RunsOnLoop(urgent, job->request)) return RunOnLoop(job);
  uv_queue_work(
      loop_, &job->work, [](uv_work_t* work) { Write(static_cast<CommitJob*>(work->data)); },
      [](uv_work_t* work, int) {
        std::unique_ptr<CommitJob> job(static_cast<CommitJob*>(work->data));
        job->worker->OnDone(job.get());
      });
}

void CommitWorker::Write(CommitJob* job) {
  const CommitRequest& r = job->request;
  job->status = r.snapshot ? job->store->Commit(r.rest, *r.done_ids)
                           : job->store->AppendJournal(r.journal_bytes, r.sync);
  // Here, not when the end is reported: that waits for the loop to turn.
  job->duration_us = (uv_hrtime() - job->start_ns) / 1000;
}

// A journal commit that something waits for (a SYNC, the run's end, a full
// buffer) is one append and one fdatasync: on this loop thread it costs that
// and no more, where the hand-offs to a worker thread and back cost as much
// again (a synced checkpoint's round trip: 2x the raw append + fdatasync).
// The loop does nothing else meanwhile, which is harmless while the disk is
// quick; one slow commit sends the next ones to the worker for a while, so a
// stalled disk holds the loop once per kLoopBackoffMs at most.
bool CommitWorker::RunsOnLoop(bool urgent, const CommitRequest& request) const {
  return urgent && !request.snapshot && uv_now(loop_) >= on_loop_after_ms_;
}

// The commit is written now; its end is reported from the loop's next turn,
// as a worker's would be: callers start commits from paths (a relaunch, a
// stop) that must not see the commit end inside the call. Only that it is
// durable is said at once (OnCommitDurable), for the acknowledgements.
void CommitWorker::RunOnLoop(CommitJob* job) {
  Write(job);
  uv_update_time(loop_);
  if (job->duration_us / 1000 > kLoopMaxMs) on_loop_after_ms_ = uv_now(loop_) + kLoopBackoffMs;
  if (job->status.ok()) client_->OnCommitDurable(job->request.records);
  written_on_loop_ = job;
  uv_idle_start(&written_idle_, [](uv_idle_t* idle) {
    auto* self = static_cast<CommitWorker*>(idle->data);
    uv_idle_stop(idle);
    std::unique_ptr<CommitJob> job(self->written_on_loop_);
    self->written_on_loop_ = nullptr;
    self->OnDone(job.get());
  });
}

void CommitWorker::OnDone(CommitJob* job) {
  const Status& status = job->status;
  const bool snapshot = job->request.snapshot;
  in_flight_ = false;
  last_duration_us_ = job->duration_us;
  if (!status.ok()) {
    OnFailed(status);
  } else {
    ending_failures_ = 0;
    if (!snapshot &&
        store_->journal_bytes() > std::max(kCompactMinJournalBytes, store_->snapshot_bytes())) {
      snapshot_next_ = true;
    }
  }
  client_->ReuseJournalBuffer(std::move(job->request.journal_bytes));
  client_->OnCommitDone(status, job->request.records, snapshot);
}

// A failed commit is a lost commit: redone from memory, never assumed to have
// landed. Its journal records are gone from memory, so a snapshot it is,
// after a pause. Once the run is ending, a few tries, then ckwrap gives up
// (125) rather than retry forever deaf to signals.
void CommitWorker::OnFailed(const Status& status) {
  if (status.IsConflict()) {
    // Fenced out by a newer writer (store/fencing.h): a retry would write
    // over its progress, so nothing more is written at all.
    LogError("checkpoint not saved: " + status.message());
    abandoned_ = true;
    fenced_ = true;
    return;
  }
  failures_.Error("checkpoint not saved: " + status.message());
  snapshot_next_ = true;
  if (client_->CommitsEnding() && ++ending_failures_ >= kEndingAttempts) {
    LogError("giving up on saving the last checkpoint after " + std::to_string(kEndingAttempts) +
             " attempts");
    abandoned_ = true;
    return;
  }
  retry_wait_ = true;
  uv_timer_start(
      &retry_timer_,
      [](uv_timer_t* timer) {
        auto* self = static_cast<CommitWorker*>(timer->data);
        self->retry_wait_ = false;
        self->Start(true);
      },
      kRetryMs, 0);
}

}  // namespace ckwrap
