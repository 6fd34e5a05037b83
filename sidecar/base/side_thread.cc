#include "base/side_thread.h"

#include <cassert>
#include <utility>

namespace ckwrap {

SideThread::~SideThread() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void SideThread::Run(std::function<void()> task) {
  assert(!busy_ && "the task before was not waited for");
  // The thread first: if it cannot be made, nothing has changed.
  if (!thread_.joinable()) thread_ = std::thread([this] { Serve(); });
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ran_.store(false, std::memory_order_relaxed);  // before the thread can see the task
    task_ = std::move(task);
  }
  busy_ = true;
  changed_.notify_all();
}

void SideThread::Wait() {
  if (!busy_) return;
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !task_; });
  busy_ = false;
  if (std::exception_ptr thrown = std::exchange(thrown_, nullptr)) std::rethrow_exception(thrown);
}

void SideThread::Serve() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return quit_ || task_; });
    if (!task_) return;  // quit, with nothing left to run
    lock.unlock();
    try {
      task_();
    } catch (...) {
      thrown_ = std::current_exception();  // Wait reads it once task_ is cleared, under the lock
    }
    lock.lock();
    task_ = nullptr;
    ran_.store(true, std::memory_order_release);
    changed_.notify_all();
  }
}

}  // namespace ckwrap
