#include "supervise/stop_sequence.h"

#include <signal.h>

#include <cstring>
#include <string>

#include "base/log.h"

namespace ckwrap {

StopSequence::StopSequence(uv_loop_t* loop, StopOptions options, Callbacks callbacks)
    : options_(options), callbacks_(std::move(callbacks)) {
  for (uv_timer_t* timer : {&checkpoint_wait_timer_, &stall_timer_}) {
    uv_timer_init(loop, timer);
    timer->data = this;
  }
}

void StopSequence::OnLaunch() {
  stopping_ = false;
  job_exited_ = false;
  if (options_.stall_timeout_ms == 0) return;
  uv_timer_start(
      &stall_timer_,
      [](uv_timer_t* timer) { static_cast<StopSequence*>(timer->data)->callbacks_.stalled(); },
      options_.stall_timeout_ms, 0);
}

void StopSequence::OnRecord() {
  uv_timer_again(&stall_timer_);  // a no-op when stopped
}

void StopSequence::Begin(int stop_signal, uint64_t records_now) {
  if (stopping_) return;
  stopping_ = true;
  stop_signal_ = stop_signal;
  uv_timer_stop(&stall_timer_);
  if (options_.checkpoint_signal == 0) return SendStopSignal();
  checkpoint_request_records_ = records_now;
  if (callbacks_.request_checkpoint(options_.checkpoint_signal) == 0) {
    LogInfo(std::string("no process of the job handles ") + strsignal(options_.checkpoint_signal) +
            " (--checkpoint-signal); stopping it");
    return SendStopSignal();
  }
  uv_timer_start(
      &checkpoint_wait_timer_,
      [](uv_timer_t* timer) {
        LogInfo("no new checkpoint within --checkpoint-wait; stopping the job");
        static_cast<StopSequence*>(timer->data)->SendStopSignal();
      },
      options_.checkpoint_wait_ms, 0);
}

void StopSequence::OnCommitted(uint64_t records) {
  // The job answered the checkpoint signal and its answer is durable: stop it now.
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&checkpoint_wait_timer_)) &&
      records > checkpoint_request_records_) {
    SendStopSignal();
  }
}

void StopSequence::SendStopSignal() {
  uv_timer_stop(&checkpoint_wait_timer_);
  if (job_exited_) return;
  callbacks_.end_job(stop_signal_);
}

void StopSequence::OnJobExited() {
  job_exited_ = true;
  uv_timer_stop(&checkpoint_wait_timer_);
  uv_timer_stop(&stall_timer_);
}

}  // namespace ckwrap
