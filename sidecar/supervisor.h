// The supervision loop (libuv): launch the job, read its protocol records,
// commit checkpoints off the loop thread, relaunch after a crash.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <memory>
#include <string>

#include "backoff.h"
#include "checkpoint.h"
#include "checkpoint_store.h"
#include "options.h"
#include "protocol.h"

namespace ckwrap {

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
  void OnChildExit(int wait_status);
  void OnSignal(int signum);
  void OnGraceExpired();
  void MaybeRunOver();
  void Decide();
  void Finish(int exit_code);
  void StartCommit();
  void OnCommitDone(const Status& status);
  void ReportProtocolProblem(uint64_t line_number, const std::string& what);
  void KillGroup(int signum);

  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnSignalEvent(uv_signal_t* handle, int signum);

  const RunOptions& options_;
  CheckpointStore* store_;
  Checkpoint checkpoint_;
  std::string state_dir_abs_;
  Backoff backoff_;
  LineSplitter splitter_;

  uv_loop_t loop_{};
  uv_pipe_t* protocol_pipe_ = nullptr;  // one per run; freed in its close callback
  uv_timer_t backoff_timer_{};
  uv_timer_t grace_timer_{};
  uv_timer_t commit_retry_timer_{};
  static constexpr int kSignals[] = {SIGCHLD, SIGINT,  SIGTERM, SIGHUP,
                                     SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  uv_signal_t signal_handles_[sizeof(kSignals) / sizeof(kSignals[0])]{};

  Phase phase_ = Phase::kRunning;
  pid_t child_pid_ = -1;
  bool child_exited_ = false;
  int child_exit_code_ = 0;
  bool pipe_eof_ = true;
  bool progress_this_run_ = false;
  uint64_t restarts_without_progress_ = 0;
  bool stop_requested_ = false;
  int exit_code_ = 0;

  bool dirty_ = false;
  bool commit_in_flight_ = false;
  bool commit_failing_ = false;
  uint64_t protocol_warnings_ = 0;
};

}  // namespace ckwrap
