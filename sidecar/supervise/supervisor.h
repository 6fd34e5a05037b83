// The supervision loop (libuv) as a phase machine: launch the job, let its
// records flow (intake -> job state -> commit worker -> store), relaunch it
// after a crash, stop it on a signal, finish with nothing of the job left.
// Each concern lives in its own file; this one only routes between them.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <memory>
#include <string>

#include "base/clock.h"
#include "intake/record_intake.h"
#include "store/checkpoint.h"
#include "store/checkpoint_store.h"
#include "store/commit_worker.h"
#include "supervise/ack_pipe.h"
#include "supervise/backoff.h"
#include "supervise/commit_rules.h"
#include "supervise/event_log.h"
#include "supervise/event_loop.h"
#include "supervise/job_state.h"
#include "supervise/reaper.h"
#include "supervise/replica_link.h"
#include "supervise/restart_policy.h"
#include "supervise/run_options.h"
#include "supervise/stop_sequence.h"

namespace ckwrap {

class Notifier;
class StatusLine;
struct LaunchedAttempt;

class Supervisor : private RecordIntake::Sink, private CommitWorker::Client {
 public:
  // store has been loaded and locked; checkpoint is where the job resumes from.
  Supervisor(const RunOptions& options, CheckpointStore* store, Checkpoint checkpoint);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Runs until the job succeeds, gives up or is stopped; returns ckwrap's exit status.
  int Run();

 private:
  // kRunning: the job (or the watched file) is live. kDraining: the run is
  // over, its last records are being committed. kBackoff: waiting to
  // relaunch. kFinishing: the last commit and the descendants' end.
  enum class Phase { kRunning, kDraining, kBackoff, kFinishing, kDone };

  void Launch();
  void OnLaunched(LaunchedAttempt& launched);
  // RecordIntake::Sink: the records flow in.
  std::string OnRecord(const Record& record) override {
    std::string refused = state_.Apply(record);
    if (!refused.empty()) return refused;
    stop_->OnRecord();
    if (state_.went_back()) WarnWentBack();
    return refused;
  }
  void OnRecordsRead() override {
    Commit();
    OnPendingChanged();
  }
  // Backpressure on every input alike: fd 3, the piped stdout/stderr and the
  // progress file stop being read together and start again together.
  void OnPendingChanged() override;
  void OnProgressFileBatch(const FileCursor& cursor) override;
  void OnInputEnded() override { MaybeRunOver(); }
  // CommitWorker::Client: the commits flow out.
  bool CommitDirty() const override;
  // The run's last commits are synced whatever --sync says: the state ckwrap
  // exits with is durable, as when the run ended with a snapshot.
  CommitRequest TakeCommit(bool snapshot) override {
    const bool sync = options_.sync != SyncMode::kNone || phase_ == Phase::kFinishing;
    return state_.TakeCommit(snapshot, sync, NowUnixMs());
  }
  // Once the job has exited: its last records wait for a disk that keeps
  // failing, and retrying forever would hang the run (nothing else moves it).
  bool CommitsEnding() const override {
    return phase_ == Phase::kFinishing || phase_ == Phase::kDraining;
  }
  void OnCommitDone(const Status& status, uint64_t records, bool snapshot) override;
  void OnCommitDurable(uint64_t records) override;
  void ReuseJournalBuffer(std::string buffer) override {
    state_.ReuseJournalBuffer(std::move(buffer));
  }
  // The uploader of --replicate made an attempt (or the run's wait for it ended).
  void OnReplicaChanged();

  // Once per ckwrap run: a job that ignores its resume position does it every time.
  void WarnWentBack();
  void StopWatching(int exit_code);
  void OnSignal(int signum);
  void OnStalled();
  void OnJobExit(int wait_status);
  void EndJobTree(int signum, uint64_t grace_ms);
  void MaybeRunOver();
  bool MaySettleIntoStop();
  void Decide();
  void Relaunch();
  void Finish(int exit_code, const std::string& summary);
  void MaybeDone();
  void Commit();
  CommitMoment Moment() const;  // what the commit rules look at

  const RunOptions& options_;
  CheckpointStore* store_;
  JobState state_;
  std::string state_dir_abs_;
  Backoff backoff_;
  RestartTracker restarts_;
  EventLog events_;
  AckPipe acks_;
  // Acknowledgements went out with the commit written (OnCommitDurable): its
  // OnCommitDone ends the read pause as if it had sent them.
  bool acked_early_ = false;
  int terminal_fd_ = -1;  // stdin, when ckwrap runs in the foreground of a terminal

  EventLoop loop_;
  uv_timer_t backoff_timer_{};  // the relaunch delay, or the moment a stop may take to land
  // Built on loop_; their handles are closed by loop_.Close() in the destructor.
  std::unique_ptr<RecordIntake> intake_;
  std::unique_ptr<CommitWorker> commits_;
  std::unique_ptr<StopSequence> stop_;
  std::unique_ptr<Reaper> reaper_;
  std::unique_ptr<StatusLine> status_line_;  // the live or plain status line
  std::unique_ptr<Notifier> notify_;
  std::unique_ptr<ReplicaLink> replica_;  // --replicate; null without

  // What is known of the current attempt; reset at each launch.
  struct Attempt {
    int wait_status = 0;
    bool job_exited = false;
    bool tree_gone = false;  // no process of this attempt's job is left
    bool settled = false;    // a stop had its moment to arrive (MaySettleIntoStop)
    bool stalled = false;    // stopped by --stall-timeout
  };

  Phase phase_ = Phase::kRunning;
  Attempt attempt_{0, false, true};  // before a launch, no process of a job is left
  bool stop_requested_ = false;
  bool requeue_requested_ = false;  // --requeue-on's signal came: requeue after the stop
  int exit_code_ = 0;
  bool descendants_done_ = true;
};

}  // namespace ckwrap
