// The libuv loop a supervisor runs on, with the signals ckwrap watches turned
// into loop events (no work in a signal handler). Close() closes every handle
// still open and runs their callbacks; call it before the objects that embed
// handles are destroyed.
#pragma once

#include <uv.h>

#include <csignal>
#include <functional>

namespace ckwrap {

class EventLoop {
 public:
  explicit EventLoop(std::function<void(int signum)> on_signal);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  uv_loop_t* get() { return &loop_; }
  void RunOnce() { uv_run(&loop_, UV_RUN_ONCE); }
  void Close();

 private:
  static constexpr int kSignals[] = {SIGCHLD, SIGINT,  SIGTERM, SIGHUP,
                                     SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  uv_loop_t loop_{};
  uv_signal_t handles_[sizeof(kSignals) / sizeof(kSignals[0])]{};
  std::function<void(int)> on_signal_;
  bool closed_ = false;
};

}  // namespace ckwrap
