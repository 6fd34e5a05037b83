// Tests that run a libuv loop of their own: closing it as EventLoop::Close
// does, so that no handle of the code under test outlives the loop.
#pragma once

#include <uv.h>

namespace ckwrap::testing {

// Closes every handle still open, runs their close callbacks, and closes the
// loop; returns uv_loop_close's result (0 once nothing is left).
inline int CloseLoopForTest(uv_loop_t* loop) {
  uv_walk(
      loop,
      [](uv_handle_t* handle, void*) {
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop);
}

}  // namespace ckwrap::testing
