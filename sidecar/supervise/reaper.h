// The one owner of waitpid in ckwrap, and the end of the job's processes.
// It reaps every child (orphans too, as PID 1 or as the subreaper it makes
// ckwrap) and reports the job's own exit status, which nobody else may steal.
// It passes signals on to the job (--forward-to), and ends the job's whole
// tree: every descendant, in the job's process group or not, gets the stop
// signal once, then up to a grace period, then SIGKILL, until none is left.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <unordered_set>
#include <vector>

namespace ckwrap {

// Who a signal ckwrap passes on reaches (man/ckwrap.1, --forward-to).
enum class ForwardMode {
  kHandlers,  // every process of the job with a handler for it: a warning kills nobody
  kMain,      // the job's main process only (as tini)
  kGroup,     // the job's whole process group (as dumb-init)
};

class Reaper {
 public:
  Reaper(uv_loop_t* loop, std::function<void(int wait_status)> on_job_exit);
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Orphaned descendants become ckwrap's children (a no-op as PID 1).
  static void BecomeSubreaper();
  // The job's main process, which leads its own process group.
  void Track(pid_t job_pid);
  // The run is over: the job's pid is no longer signalled.
  void Forget() { job_pid_ = -1; }
  // Passes signum on to the job; returns how many processes it was sent to.
  int Forward(int signum, ForwardMode mode);
  // To every process of the job at once (a stop asked for twice).
  void SignalAll(int signum);
  // On SIGCHLD: reaps all that exited.
  void ReapAll();
  // Ends the job's tree: signum to each process once (also to those that
  // appear meanwhile), SIGKILL to all after grace_ms, then done() once none
  // is left. While a tree is ending, a second call only adds its done().
  void EndTree(int signum, uint64_t grace_ms, std::function<void()> done);

 private:
  static constexpr uint64_t kPollMs = 10;  // a grandchild's exit sends ckwrap no SIGCHLD
  void CheckTree();

  std::function<void(int)> on_job_exit_;
  pid_t job_pid_ = -1;
  bool job_exited_ = true;
  uv_timer_t grace_timer_{};
  uv_timer_t poll_timer_{};
  int end_signal_ = 0;
  bool killing_ = false;
  std::unordered_set<pid_t> signalled_;
  std::vector<std::function<void()>> tree_done_;  // non-empty while a tree is ending
};

}  // namespace ckwrap
