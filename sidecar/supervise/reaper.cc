#include "supervise/reaper.h"

#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "base/log.h"
#include "supervise/descendants.h"

namespace ckwrap {

Reaper::Reaper(uv_loop_t* loop, std::function<void(int)> on_job_exit)
    : on_job_exit_(std::move(on_job_exit)) {
  for (uv_timer_t* timer : {&grace_timer_, &poll_timer_}) {
    uv_timer_init(loop, timer);
    timer->data = this;
  }
}

void Reaper::BecomeSubreaper() { ckwrap::BecomeSubreaper(); }

void Reaper::Track(pid_t job_pid) {
  job_pid_ = job_pid;
  job_exited_ = false;
}

int Reaper::Forward(int signum, ForwardMode mode) {
  if (job_pid_ <= 0) return 0;
  if (mode == ForwardMode::kMain) return job_exited_ || kill(job_pid_, signum) != 0 ? 0 : 1;
  if (mode == ForwardMode::kGroup) return kill(-job_pid_, signum) == 0 ? 1 : 0;
  int sent = 0;
  for (pid_t pid : ListDescendants()) {
    if (CatchesSignal(pid, signum) && kill(pid, signum) == 0) sent++;
  }
  return sent;
}

void Reaper::SignalAll(int signum) {
  for (pid_t pid : ListDescendants()) kill(pid, signum);
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
  if (!tree_done_.empty()) CheckTree();
}

void Reaper::EndTree(int signum, uint64_t grace_ms, std::function<void()> done) {
  tree_done_.push_back(std::move(done));
  if (tree_done_.size() > 1) return;
  end_signal_ = signum;
  killing_ = false;
  signalled_.clear();
  uv_timer_start(
      &grace_timer_,
      [](uv_timer_t* timer) {
        auto* self = static_cast<Reaper*>(timer->data);
        LogError("the job did not stop within the grace period; killing what is left of it");
        self->killing_ = true;
        self->CheckTree();
      },
      grace_ms, 0);
  uv_timer_start(
      &poll_timer_, [](uv_timer_t* timer) { static_cast<Reaper*>(timer->data)->CheckTree(); },
      kPollMs, kPollMs);
  CheckTree();
}

// Nothing of the job may outlive its run: beside the next attempt it would
// write into the same files, and in a container it would die mid-write when
// the namespace goes.
void Reaper::CheckTree() {
  std::vector<pid_t> pids = ListDescendants();
  if (pids.empty()) {
    uv_timer_stop(&grace_timer_);
    uv_timer_stop(&poll_timer_);
    std::vector<std::function<void()>> done;
    done.swap(tree_done_);
    for (auto& callback : done) callback();
    return;
  }
  for (pid_t pid : pids) {
    if (killing_) {
      kill(pid, SIGKILL);
    } else if (signalled_.insert(pid).second) {
      kill(pid, end_signal_);
    }
  }
}

}  // namespace ckwrap
