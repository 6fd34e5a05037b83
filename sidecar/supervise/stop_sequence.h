// Stopping the running job: optionally the checkpoint signal and a bounded
// wait for the commit that answers it, then the end of the job's whole tree
// (the stop signal to every process, the grace, SIGKILL: Reaper::EndTree).
// The stall watchdog (--stall-timeout) starts the same sequence for a job
// that sent no record for too long.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

namespace ckwrap {

struct StopOptions {
  int checkpoint_signal = 0;  // 0: none
  uint64_t checkpoint_wait_ms = 0;
  uint64_t stall_timeout_ms = 0;  // 0: no watchdog
};

class StopSequence {
 public:
  struct Callbacks {
    // The checkpoint signal to the job; returns how many processes got it.
    std::function<int(int signum)> request_checkpoint;
    // The stop itself: signum to every process of the job, the grace, KILL.
    std::function<void(int signum)> end_job;
    std::function<void()> stalled;  // the watchdog fired (the sequence starts after it)
  };

  StopSequence(uv_loop_t* loop, StopOptions options, Callbacks callbacks);
  StopSequence(const StopSequence&) = delete;
  StopSequence& operator=(const StopSequence&) = delete;

  // A new attempt runs: no stop under way, the watchdog armed.
  void OnLaunch();
  // Any record shows the job is alive.
  void OnRecord();
  // Starts the sequence once per attempt; records_now is the count of records
  // seen, so a later commit beyond it answers the checkpoint signal.
  void Begin(int stop_signal, uint64_t records_now);
  // A commit of records is durable: if it answers the checkpoint signal, the
  // stop signal goes now.
  void OnCommitted(uint64_t records);
  // The job's main process exited: the rest of its tree is ended by the caller.
  void OnJobExited();
  bool stopping() const { return stopping_; }

 private:
  void SendStopSignal();

  const StopOptions options_;
  Callbacks callbacks_;
  uv_timer_t checkpoint_wait_timer_{};  // checkpoint signal sent: stop when it fires
  uv_timer_t stall_timer_{};
  bool stopping_ = false;
  bool job_exited_ = true;
  int stop_signal_ = 0;
  uint64_t checkpoint_request_records_ = 0;
};

}  // namespace ckwrap
