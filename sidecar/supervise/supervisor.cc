#include "supervise/supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <utility>

#include "base/clock.h"
#include "base/exit_codes.h"
#include "base/log.h"
#include "base/paths.h"
#include "store/last_exit.h"
#include "supervise/component_options.h"
#include "supervise/exit_status.h"
#include "supervise/launch.h"
#include "supervise/notify.h"
#include "supervise/requeue.h"
#include "supervise/run_events.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

// How long a run that ended by SIGTERM/SIGINT (or exit 0) waits for ckwrap's
// own stop signal before it is decided (see MaySettleIntoStop).
constexpr uint64_t kStopSettleMs = 50;

}  // namespace

Supervisor::Supervisor(const RunOptions& options, CheckpointStore* store, Checkpoint checkpoint)
    : options_(options),
      store_(store),
      state_(std::move(checkpoint)),
      state_dir_abs_(AbsolutePath(store->dir())),
      backoff_(options.backoff_initial_ms, options.backoff_max_ms,
               static_cast<uint64_t>(NowUnixMs()) ^ static_cast<uint64_t>(getpid())),
      restarts_(options.restart),
      terminal_fd_(ForegroundTerminal()),
      loop_([this](int signum) { OnSignal(signum); }) {
  uv_timer_init(loop_.get(), &backoff_timer_);
  backoff_timer_.data = this;
  intake_ = std::make_unique<RecordIntake>(loop_.get(), IntakeOptionsOf(options),
                                           static_cast<RecordIntake::Sink*>(this));
  commits_ = std::make_unique<CommitWorker>(loop_.get(), store_, options.commit_interval_ms,
                                            static_cast<CommitWorker::Client*>(this));
  stop_ = std::make_unique<StopSequence>(
      loop_.get(), StopOptionsOf(options),
      StopSequence::Callbacks{
          [this](int signum) { return reaper_->Forward(signum, options_.forward_to); },
          [this](int signum) { EndJobTree(signum, options_.grace_ms); }, [this] { OnStalled(); }});
  reaper_ = std::make_unique<Reaper>(loop_.get(), [this](int status) { OnJobExit(status); });
}

Supervisor::~Supervisor() {
  acks_.Close();
  if (replica_) replica_->Close();  // its thread, before the loop it reports to
  if (intake_) intake_->Close();
  loop_.Close();  // before the members whose handles it closes go
}

int Supervisor::Run() {
  if (Status opened = events_.Open(options_.events_file); !opened.ok()) {
    LogError(opened.message());
    return kExitUsage;
  }
  ForgetLastExit(store_->directory());  // this run's verdict, not an older one's, once it ends
  Status replicating = ReplicaLink::Make(
      options_, loop_.get(), &store_->directory(), [this] { OnReplicaChanged(); }, &replica_);
  if (!replicating.ok()) {
    LogError(replicating.message());
    return kExitUsage;
  }
  Reaper::BecomeSubreaper();
  status_line_ = std::make_unique<StatusLine>(loop_.get(), StatusLine::ChooseMode(options_.quiet),
                                              options_.status_interval_ms,
                                              [this] { return state_.Snapshot(); });
  status_line_->Start();
  notify_ = std::make_unique<Notifier>(
      loop_.get(), [this] { return state_.Snapshot(); },
      [this] { return state_.checkpoint().records + state_.checkpoint().attempts; },
      [this] { return phase_ != Phase::kRunning || stop_->stopping(); });
  notify_->Start();  // Type=notify units (NOTIFY_SOCKET); nothing otherwise
  Checkpoint& checkpoint = state_.mutable_checkpoint();
  if (checkpoint.created_unix_ms == 0) checkpoint.created_unix_ms = NowUnixMs();
  if (Status started = intake_->StartProgressFile(checkpoint.progress_file); !started.ok()) {
    LogError(started.message());
    Finish(kExitUsage, "error: cannot read the progress file " + options_.progress_file);
  } else if (!options_.watch) {
    Launch();
  } else if (checkpoint.complete) {
    // ckwrap watch follows the file alone until COMPLETE or a stop signal; a
    // COMPLETE in the first read has finished the run already.
    StopWatching(0);
  }
  while (phase_ != Phase::kDone) loop_.RunOnce();
  if (replica_) replica_->Close();
  status_line_->Stop();
  RecordLastExit(store_->directory(), exit_code_);  // stuck (76) or stopped, for `status`
  // Only a stop with the last checkpoint durable is requeued (--requeue-on).
  if (requeue_requested_ && exit_code_ == kExitInterrupted) RequeueThisJob(options_.max_requeues);
  return exit_code_;
}

void Supervisor::Launch() {
  acks_.Close();
  const LaunchContext context{&options_,
                              &store_->directory(),
                              state_dir_abs_,
                              terminal_fd_,
                              status_line_->PipesStream(STDOUT_FILENO),
                              status_line_->PipesStream(STDERR_FILENO)};
  LaunchedAttempt attempt = LaunchAttempt(context, &state_, intake_.get());
  if (attempt.pid <= 0) return Finish(attempt.exit_code, attempt.error);
  OnLaunched(attempt);
}

void Supervisor::OnLaunched(LaunchedAttempt& launched) {
  const Checkpoint& checkpoint = state_.checkpoint();
  if (checkpoint.has_position) {
    LogInfo("attempt " + std::to_string(checkpoint.attempts) + ": resuming from " +
            checkpoint.position);
  }
  EmitLaunch(&events_, checkpoint, launched.pid);
  reaper_->Track(launched.pid);
  attempt_ = {};
  phase_ = Phase::kRunning;
  state_.BeginRun();
  intake_->set_attempt(checkpoint.attempts);
  intake_->StartProtocol(launched.protocol_read, std::move(launched.slot));
  acks_.Open(launched.ack_write);
  stop_->OnLaunch();
  state_.MarkDirty();  // the attempt count
  Commit();
}

// The records of a read and the cursor past them go into the same commit, so
// a relaunch neither re-reads nor skips a line.
void Supervisor::OnProgressFileBatch(const FileCursor& cursor) {
  state_.mutable_checkpoint().progress_file = cursor;
  state_.MarkDirty();
  Commit();
  if (options_.watch && state_.checkpoint().complete && phase_ == Phase::kRunning) {
    StopWatching(0);
  }
}

void Supervisor::WarnWentBack() {
  auto [first, resumed_at] = state_.TakeWentBack();
  if (!options_.watch) LogError(WentBackWarning(options_, first, resumed_at));
}

void Supervisor::StopWatching(int exit_code) {
  intake_->CheckProgressFile();  // the final drain: a COMPLETE in it has finished the run
  if (phase_ != Phase::kRunning) return;
  intake_->StopProgressFile();
  const bool complete = exit_code == 0;
  LogInfo(complete
              ? "the job said COMPLETE"
              : "stopped; progress is saved in " + state_dir_abs_ + " and the next run resumes");
  Finish(exit_code, (complete ? "complete at position " : "stopped at position ") +
                        state_.checkpoint().position);
}

void Supervisor::OnSignal(int signum) {
  if (signum == SIGCHLD) return reaper_->ReapAll();
  if (phase_ != Phase::kFinishing && phase_ != Phase::kDone) {
    events_.Emit("signal", {{"signal", std::to_string(signum)}});
  }
  if (signum == options_.requeue_signal && !options_.watch) {
    requeue_requested_ = true;  // a stop like TERM's; the requeue follows it (Run)
    signum = SIGTERM;
  }
  if (signum != SIGINT && signum != SIGTERM) {
    if (phase_ == Phase::kRunning) reaper_->Forward(signum, options_.forward_to);
    return;
  }
  // SIGINT/SIGTERM mean stop, not crash.
  const bool first = !stop_requested_;
  stop_requested_ = true;
  if (options_.watch) {
    if (phase_ == Phase::kRunning) StopWatching(kExitInterrupted);
    return;
  }
  if (phase_ == Phase::kBackoff) {
    uv_timer_stop(&backoff_timer_);
    LogInfo("stopped by a signal; resumable (" + state_.Where() + ")");
    return Finish(kExitInterrupted, "stopped by a signal; resumable at " + state_.Where());
  }
  if (phase_ != Phase::kRunning) return;
  if (first) {
    stop_->Begin(signum, state_.checkpoint().records);
    return OnPendingChanged();  // a stop is never held back by the bucket
  }
  reaper_->SignalAll(signum);  // asked again: pass it on at once
}

void Supervisor::OnStalled() {
  LogError("no record from the job for " + std::to_string(options_.stall_timeout_ms) +
           " ms; stopping it as hung");
  events_.Emit("stalled", {{"attempt", std::to_string(state_.checkpoint().attempts)}});
  attempt_.stalled = true;
  stop_->Begin(SIGTERM, state_.checkpoint().records);
  OnPendingChanged();
}

void Supervisor::OnJobExit(int wait_status) {
  attempt_.job_exited = true;
  attempt_.wait_status = wait_status;
  stop_->OnJobExited();
  // The rest of fd 3 now, not after the pause between reads.
  intake_->EndReadPause(false);
  OnPendingChanged();
  ReclaimTerminal(terminal_fd_);
  EmitExit(&events_, state_.checkpoint().attempts, wait_status);
  // What the job left running must not run on beside the next attempt, but
  // may finish its item and send its last records first: TERM, then a grace.
  const bool stopping = stop_requested_ || stop_->stopping();
  EndJobTree(SIGTERM, stopping || options_.relaunch_grace_ms == UINT64_MAX
                          ? options_.grace_ms
                          : options_.relaunch_grace_ms);
}

void Supervisor::EndJobTree(int signum, uint64_t grace_ms) {
  reaper_->EndTree(signum, grace_ms, [this] {
    // Once per attempt (a stop may join a tree already ending, and a tree of
    // zombies is gone before the main process is reaped).
    if (!attempt_.tree_gone) {
      attempt_.tree_gone = true;
      // An input still open now is held by something outside the job's tree.
      intake_->OnJobExited();
    }
    MaybeRunOver();
  });
}

void Supervisor::MaybeRunOver() {
  // The run is over only when the exit status is in, nothing of the job runs
  // and every input ended.
  if (phase_ != Phase::kRunning || !attempt_.job_exited || !attempt_.tree_gone || !intake_->over())
    return;
  reaper_->Forget();
  phase_ = Phase::kDraining;
  Commit();
  if (!commits_->in_flight() && !state_.dirty()) Decide();
}

// An engine signals every process at once (Slurm's time limit, systemd's
// control-group kill): the job may end just before ckwrap's own TERM lands,
// so a run that ended as a stop would is decided a moment later. A complete
// checkpoint ends the run the same way with or without a stop: no wait.
bool Supervisor::MaySettleIntoStop() {
  if (stop_requested_ || attempt_.settled || state_.checkpoint().complete) return false;
  if (!MayBeAnsweringAStop(attempt_.wait_status)) return false;
  attempt_.settled = true;
  uv_timer_start(
      &backoff_timer_, [](uv_timer_t* timer) { static_cast<Supervisor*>(timer->data)->Decide(); },
      kStopSettleMs, 0);
  return true;
}

void Supervisor::Decide() {
  if (MaySettleIntoStop()) return;
  state_.FlushDoneBatch();
  const RunOutcome outcome = OutcomeOf(attempt_.wait_status, state_.progressed(), attempt_.stalled,
                                       stop_requested_, state_.checkpoint().complete);
  Verdict verdict = restarts_.OnRunEnded(outcome);
  if (!stop_requested_ && outcome.exit_code != 0) {
    LogInfo("job " + DescribeExit(attempt_.wait_status) + " (attempt " +
            std::to_string(state_.checkpoint().attempts) + ")");
  }
  if (verdict.kind == Verdict::kRelaunch) return Relaunch();
  if (verdict.retire) state_.mutable_checkpoint().complete = true;
  if (verdict.kind == Verdict::kStopped) LogInfo(verdict.reason + " (" + state_.Where() + ")");
  if (verdict.exit_code == kExitGaveUpNoProgress) LogError(state_.StuckMessage());
  Finish(verdict.exit_code, verdict.reason + " at " + state_.Where() + " after " +
                                std::to_string(state_.checkpoint().attempts) + " attempts");
}

void Supervisor::Relaunch() {
  if (restarts_.progressed_last_run()) backoff_.Reset();
  state_.mutable_checkpoint().restarts++;
  status_line_->OnRestart();
  state_.MarkDirty();
  Commit();
  uint64_t delay = backoff_.NextDelayMs();
  if (delay > 0) LogInfo("relaunching in " + std::to_string(delay) + " ms");
  EmitRestart(&events_, delay, restarts_.runs_without_progress());
  phase_ = Phase::kBackoff;
  uv_timer_start(
      &backoff_timer_, [](uv_timer_t* timer) { static_cast<Supervisor*>(timer->data)->Launch(); },
      delay, 0);
}

void Supervisor::Finish(int exit_code, const std::string& summary) {
  exit_code_ = exit_code;
  phase_ = Phase::kFinishing;
  EmitFinish(&events_, exit_code, summary);
  if (notify_) notify_->Stopping(summary);
  WriteTerminationLog(options_.termination_log, summary);
  // The last commit carries the final counters and completion. A journal
  // commit like any other: a snapshot of millions of ids here would hold a
  // stop (within its grace period) for seconds, and the journal is bounded by
  // compaction already.
  state_.MarkDirty();
  Commit();
  if (replica_) replica_->BeginFinal();
  descendants_done_ = false;
  reaper_->EndTree(SIGTERM, options_.grace_ms, [this] {
    descendants_done_ = true;
    MaybeDone();
  });
}

void Supervisor::MaybeDone() {
  if (phase_ == Phase::kFinishing && descendants_done_ && !commits_->in_flight() &&
      (!state_.dirty() || commits_->abandoned()) && (!replica_ || replica_->settled())) {
    phase_ = Phase::kDone;
  }
}

CommitMoment Supervisor::Moment() const {
  return {phase_ == Phase::kRunning, stop_->stopping() || stop_requested_,
          options_.sync == SyncMode::kAlways, state_.sync_waiting(), intake_->at_write_boundary(),
          commits_->in_flight(), state_.PendingBytes(),
          // Not once the job has exited: the rest of its records are read now.
          replica_ && !attempt_.job_exited && replica_->holds_back_reading()};
}

void Supervisor::Commit() {
  // A commit that starts now takes every DONE id read (TakeCommit flushes
  // them); else they go to the side thread while the next read is parsed.
  commits_->Start(CommitIsUrgent(Moment()));
  state_.HandOffDoneBatch();
}

bool Supervisor::CommitDirty() const { return state_.dirty() && MayCutCommit(Moment()); }

void Supervisor::OnPendingChanged() { intake_->SetPaused(ReadingPaused(Moment())); }

// Sent from inside the commit (often inside the read of the SYNC itself):
// only the acknowledgement, the rest waits for OnCommitDone.
void Supervisor::OnCommitDurable(uint64_t records) {
  std::vector<std::string> acked = state_.TakeAcknowledged(records);
  if (acked.empty()) return;
  acks_.Send(acked);
  acked_early_ = true;
}

void Supervisor::OnCommitDone(const Status& status, uint64_t records, bool snapshot) {
  if (snapshot) state_.OnSnapshotDone();
  state_.OnCommitEnded(status.ok());
  OnPendingChanged();
  if (!status.ok()) {
    state_.MarkDirty();
    if (!commits_->abandoned()) return;  // retried
    if (phase_ != Phase::kFinishing)
      return Finish(kExitUsage, std::string("error: ") + commits_->why_abandoned());
    exit_code_ = kExitUsage;
    return MaybeDone();
  }
  EmitCommit(&events_, records, snapshot, commits_->last_duration_us());
  if (replica_) replica_->OnCommitted(*store_);
  if (replica_ && phase_ == Phase::kFinishing) replica_->BeginFinal();
  std::vector<std::string> acked = state_.TakeAcknowledged(records);
  acks_.Send(acked);
  // A job that waited for an acknowledgement writes its next record now.
  if (!acked.empty() || std::exchange(acked_early_, false)) intake_->EndReadPause(true);
  stop_->OnCommitted(records);
  if (state_.dirty()) {
    Commit();
    return OnPendingChanged();
  }
  if (phase_ == Phase::kDraining) return Decide();
  MaybeDone();
}

// Fenced in the bucket (another writer has the prefix): the run stops as
// when fenced locally, and uploads nothing more.
void Supervisor::OnReplicaChanged() {
  if (replica_->fenced() && phase_ != Phase::kFinishing && phase_ != Phase::kDone) {
    stop_requested_ = true;
    uv_timer_stop(&backoff_timer_);  // no relaunch after this
    return Finish(kExitUsage, "error: another ckwrap writes " + options_.replicate +
                                  "; stopped without uploading");
  }
  if (replica_->fenced()) exit_code_ = kExitUsage;
  OnPendingChanged();
  MaybeDone();
}

}  // namespace ckwrap
