// The one owner of waitpid in ckwrap: it reaps every child (orphans too, as
// PID 1 or as the subreaper it makes ckwrap) and reports the job's own exit
// status, which nobody else may steal. It also ends ckwrap's descendants at
// the finish: TERM, the grace, KILL, until none is left.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>

namespace ckwrap {

class Reaper {
 public:
  Reaper(uv_loop_t* loop, std::function<void(int wait_status)> on_job_exit);
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Orphaned descendants become ckwrap's children (a no-op as PID 1).
  static void BecomeSubreaper();
  // The job's main process, which leads its own process group.
  void Track(pid_t job_pid);
  bool job_running() const { return job_pid_ > 0 && !job_exited_; }
  // The run is over: the job's pid is no longer signalled.
  void Forget() { job_pid_ = -1; }
  // To every process in the job's group.
  void SignalGroup(int signum);
  // On SIGCHLD: reaps all that exited.
  void ReapAll();
  // TERM to every remaining child, KILL after grace_ms, then done() once none
  // is left.
  void EndDescendants(uint64_t grace_ms, std::function<void()> done);

 private:
  void CheckDescendants();

  std::function<void(int)> on_job_exit_;
  pid_t job_pid_ = -1;
  bool job_exited_ = true;
  uv_timer_t descendants_timer_{};
  uint64_t grace_ms_ = 0;
  std::function<void()> descendants_done_;  // set while ending them
};

}  // namespace ckwrap
