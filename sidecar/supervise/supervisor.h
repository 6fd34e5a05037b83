// The supervision loop (libuv): launch the job, read its protocol records,
// commit checkpoints off the loop thread, relaunch after a crash, stop
// cleanly on a signal, and leave no descendant running at exit.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/options.h"
#include "intake/line_matcher.h"
#include "intake/protocol.h"
#include "store/checkpoint.h"
#include "store/checkpoint_store.h"
#include "supervise/backoff.h"
#include "supervise/child_process.h"
#include "supervise/event_log.h"
#include "supervise/restart_policy.h"

namespace ckwrap {

class OutputChannel;
class ProgressFileWatcher;
class StatusLine;

class Supervisor {
 public:
  // store has been loaded and locked; checkpoint is where the job resumes from.
  Supervisor(const RunOptions& options, CheckpointStore* store, Checkpoint checkpoint);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Runs until the job succeeds, gives up or is stopped; returns ckwrap's exit status.
  int Run();

 private:
  enum class Phase { kRunning, kDraining, kBackoff, kFinishing, kDone };

  void Launch();
  void OnProtocolBytes(const char* data, size_t size);
  void OnProtocolEof();
  void OnLine(uint64_t line_number, std::string_view line);
  // A line from another channel ("stdout", "stderr", "progress file"):
  // a record when is_record, else a candidate for --match.
  void OnChannelLine(const char* source, uint64_t line_number, std::string_view line,
                     bool is_record);
  bool OpenOutputChannels(LaunchSpec* spec);
  bool StartProgressFile();
  void OnProgressFileBatch();
  void StopWatching(int exit_code);
  void OnChildExit(int wait_status);
  void OnSignal(int signum);
  void StopJob(int stop_signal);
  void SendStopSignal();
  void OnStalled();
  void OnEofTimeout();
  void MaybeRunOver();
  void Decide();
  void Finish(int exit_code, const std::string& summary);
  void MaybeDone();
  void TerminateDescendants();
  void ReapChildren();
  void StartCommit();
  void OnCommitDone(const Status& status, uint64_t records, bool snapshot);
  void UpdateReading();
  void FlushDoneBatch();
  void EndReadPause();  // reads fd 3 now, not when read_coalesce_timer_ fires
  bool CommitMustWait();
  void ReportProtocolProblem(uint64_t line_number, const std::string& what);
  // Declared outputs (declared_outputs.h): the sizes a CKPT/DONE commits with.
  void ObserveOutputs();
  void DeclareOutput(const std::string& path);
  void HashOutputTails();
  // SYNC tokens whose commit is durable go back on the acknowledgement pipe.
  void Acknowledge(uint64_t committed_records);
  void CloseAckPipe();
  void KillGroup(int signum);
  void ReclaimTerminal();

  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnSignalEvent(uv_signal_t* handle, int signum);

  const RunOptions& options_;
  CheckpointStore* store_;
  Checkpoint checkpoint_;
  std::string state_dir_abs_;
  Backoff backoff_;
  RestartTracker restarts_;
  LineSplitter splitter_;
  EventLog events_;
  int terminal_fd_ = -1;  // stdin, when ckwrap runs in the foreground of a terminal

  uv_loop_t loop_{};
  uv_pipe_t* protocol_pipe_ = nullptr;  // one per run; freed in its close callback
  uv_timer_t backoff_timer_{};
  uv_timer_t grace_timer_{};            // TERM sent: KILL when it fires
  uv_timer_t checkpoint_wait_timer_{};  // checkpoint signal sent: stop when it fires
  uv_timer_t stall_timer_{};
  uv_timer_t commit_retry_timer_{};
  uv_timer_t descendants_timer_{};
  uv_timer_t eof_timer_{};              // the job exited but something outside its group holds fd 3
  uv_timer_t commit_interval_timer_{};  // --commit-interval: the next commit is due
  uv_timer_t read_coalesce_timer_{};    // kReadCoalesceMs after a read that drained the pipe
  static constexpr int kSignals[] = {SIGCHLD, SIGINT,  SIGTERM, SIGHUP,
                                     SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  uv_signal_t signal_handles_[sizeof(kSignals) / sizeof(kSignals[0])]{};

  Phase phase_ = Phase::kRunning;
  pid_t child_pid_ = -1;
  bool child_exited_ = false;
  int child_wait_status_ = 0;
  bool pipe_eof_ = true;
  bool progress_this_run_ = false;
  bool stop_requested_ = false;
  bool stalled_ = false;
  bool stopping_job_ = false;                // a stop sequence is under way for this run
  int stop_signal_ = SIGTERM;                // sent once the checkpoint wait is over
  uint64_t checkpoint_request_records_ = 0;  // records seen when the checkpoint signal went
  int exit_code_ = 0;
  bool descendants_done_ = true;

  bool dirty_ = false;
  // Journal records (DONE/FAIL/STATE) not yet handed to a commit: each commit
  // writes only these plus a COMMIT record, O(new records).
  std::string journal_pending_;
  // The next commit writes a whole snapshot instead (the run's first commit,
  // after a failed one, at compaction and at the end).
  bool snapshot_next_ = true;
  // A snapshot is being encoded on the worker from checkpoint_.done, which the
  // loop then only reads: new ids wait in done_overflow_ until it is done.
  bool snapshot_in_flight_ = false;
  DoneSet done_overflow_;
  // DONE ids read but not yet looked up: (offset, size) in done_batch_bytes_.
  // Flushed before every commit, so a commit never misses one.
  std::vector<std::pair<size_t, size_t>> done_batch_;
  std::string done_batch_bytes_;
  bool reading_paused_ = false;   // backpressure: uv_read_stop until commits catch up
  bool read_coalescing_ = false;  // the pipe was drained: the next read waits a moment
  uint64_t last_read_ns_ = 0;     // uv_hrtime() of the last read of fd 3, or of a pause's end
  bool pipe_reading_ = false;     // uv_read_start is in effect on protocol_pipe_
  bool commit_in_flight_ = false;
  uint64_t last_commit_start_ms_ = 0;  // uv_now() when the last commit started
  bool commit_failing_ = false;
  int ending_commit_failures_ = 0;
  bool abandon_commits_ = false;  // gave up saving: the run ends without it
  uint64_t committed_records_ = 0;
  uint64_t protocol_warnings_ = 0;
  // The acknowledgement pipe's write end (the job reads fd 4), and the SYNC
  // tokens waiting for a commit: (records including the SYNC, token).
  int ack_fd_ = -1;
  std::vector<std::pair<uint64_t, std::string>> sync_waiting_;
  // The sizes whose tail hashes checkpoint_.outputs holds (hashes are taken
  // at commit time from the bytes below the recorded size).
  std::vector<uint64_t> hashed_sizes_;

  // Where the line being applied came from, for messages.
  const char* line_source_ = "protocol";
  std::unique_ptr<LineMatcher> matcher_;  // null without --match
  // The child's piped stdout/stderr: this launch's, and earlier ones whose
  // handles are still closing.
  std::vector<std::unique_ptr<OutputChannel>> channels_;
  std::unique_ptr<ProgressFileWatcher> watcher_;  // --progress-file, ckwrap watch
  std::unique_ptr<StatusLine> status_line_;       // the live or plain status line
};

}  // namespace ckwrap
