#include "supervise/event_loop.h"

#include <iterator>

namespace ckwrap {

EventLoop::EventLoop(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  uv_loop_init(&loop_);
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    uv_signal_init(&loop_, &handles_[i]);
    handles_[i].data = this;
    uv_signal_start(
        &handles_[i],
        [](uv_signal_t* handle, int signum) {
          static_cast<EventLoop*>(handle->data)->on_signal_(signum);
        },
        kSignals[i]);
  }
}

EventLoop::~EventLoop() { Close(); }

void EventLoop::Close() {
  if (closed_) return;
  closed_ = true;
  uv_walk(
      &loop_,
      [](uv_handle_t* handle, void*) {
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

}  // namespace ckwrap
