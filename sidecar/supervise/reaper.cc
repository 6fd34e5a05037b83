#include "supervise/reaper.h"

#include <signal.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include "base/log.h"
#include "supervise/descendants.h"

namespace ckwrap {

Reaper::Reaper(uv_loop_t* loop, std::function<void(int)> on_job_exit)
    : on_job_exit_(std::move(on_job_exit)) {
  uv_timer_init(loop, &descendants_timer_);
  descendants_timer_.data = this;
}

void Reaper::BecomeSubreaper() { ckwrap::BecomeSubreaper(); }

void Reaper::Track(pid_t job_pid) {
  job_pid_ = job_pid;
  job_exited_ = false;
}

void Reaper::SignalGroup(int signum) {
  if (job_pid_ > 0) kill(-job_pid_, signum);
}

void Reaper::ReapAll() {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == job_pid_ && !job_exited_) {
      job_exited_ = true;
      on_job_exit_(status);
    }
  }
  if (descendants_done_) CheckDescendants();
}

void Reaper::EndDescendants(uint64_t grace_ms, std::function<void()> done) {
  grace_ms_ = grace_ms;
  descendants_done_ = std::move(done);
  CheckDescendants();
}

// Nothing of the job may outlive ckwrap (in a container it would die mid-write
// when the namespace goes): TERM every remaining child, then KILL after the grace.
void Reaper::CheckDescendants() {
  std::vector<pid_t> children = ListChildren();
  if (children.empty()) {
    uv_timer_stop(&descendants_timer_);
    auto done = std::move(descendants_done_);
    descendants_done_ = nullptr;
    return done();
  }
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&descendants_timer_))) {
    for (pid_t pid : children) kill(pid, SIGTERM);  // new orphans since the last pass
    return;
  }
  LogInfo("stopping " + std::to_string(children.size()) + " leftover process(es) of the job");
  for (pid_t pid : children) kill(pid, SIGTERM);
  uv_timer_start(
      &descendants_timer_,
      [](uv_timer_t* timer) {
        auto* self = static_cast<Reaper*>(timer->data);
        for (pid_t pid : ListChildren()) kill(pid, SIGKILL);
        // Keep the timer armed (short) until the SIGKILLed ones are reaped.
        uv_timer_start(timer, timer->timer_cb, 50, 0);
        self->ReapAll();
      },
      grace_ms_, 0);
}

}  // namespace ckwrap
