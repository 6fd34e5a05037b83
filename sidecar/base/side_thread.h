// One task at a time on a thread beside the caller's: the loop thread hands
// a flood's DONE ids to it and goes on reading the next ones, so the done
// set's inserts and the parsing use both cores (JobState). The thread starts
// with the first task and is joined when this goes away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace ckwrap {

class SideThread {
 public:
  SideThread() = default;
  SideThread(const SideThread&) = delete;
  SideThread& operator=(const SideThread&) = delete;
  ~SideThread();

  // Starts task; the one before must have been waited for (busy() false).
  void Run(std::function<void()> task);
  // Returns once the task has run, rethrowing what it threw; at once when
  // there is none.
  void Wait();
  // A task was run and not yet waited for (only the caller's thread changes it).
  bool busy() const { return busy_; }
  // Wait would return at once: no task, or it has run.
  bool ready() const { return !busy_ || ran_.load(std::memory_order_acquire); }

 private:
  void Serve();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> task_;  // set: to run; cleared by the thread when it has run
  std::exception_ptr thrown_;
  bool quit_ = false;
  bool busy_ = false;
  std::atomic<bool> ran_{false};
  std::thread thread_;
};

}  // namespace ckwrap
