// One of the child's output streams (stdout or stderr) read through a pipe in
// the libuv loop, filtered by an OutputFilter, and passed through to the same
// stream of ckwrap. One per stream per launch.
#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <string_view>

#include "intake/output_filter.h"

namespace ckwrap {

// Writes all of data to fd: retries short writes and EINTR, waits (poll) on
// EAGAIN when someone made the fd non-blocking. Returns 0 or the errno
// (EPIPE when the reader is gone: ckwrap ignores SIGPIPE).
int WriteAll(int fd, std::string_view data);

class OutputChannel {
 public:
  // name ("stdout"/"stderr") is for messages; target_fd is ckwrap's own
  // stream the text goes to. callbacks.pass is replaced by the writer.
  OutputChannel(uv_loop_t* loop, const char* name, int target_fd, std::string prefix,
                size_t max_line_bytes, OutputFilter::Callbacks callbacks,
                std::function<void()> on_batch, std::function<void()> on_eof);
  ~OutputChannel();
  OutputChannel(const OutputChannel&) = delete;
  OutputChannel& operator=(const OutputChannel&) = delete;

  // Creates the pipe and starts reading; *child_fd is the write end for the
  // child (the caller closes it after the launch). False on failure, with errno.
  bool Open(int* child_fd);
  bool eof() const { return eof_; }
  // Stops reading as if at end of file (the job exited but something that
  // left its group keeps the pipe open); what was read is passed on first.
  void ForceEof() { OnEof(); }
  // The handle's close callback has run: the object may be destroyed.
  bool closed() const { return closed_; }
  const char* name() const { return name_; }
  // Backpressure: stops (true) or restarts reading the pipe, so the job
  // blocks on its writes to this stream; what was read is handled already.
  // Remembered across Open; nothing to do once at end of file.
  void SetPaused(bool paused);

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void Pass(std::string_view bytes);
  void OnEof();

  uv_loop_t* loop_;
  const char* name_;
  int target_fd_;
  OutputFilter filter_;
  std::function<void()> on_batch_;
  std::function<void()> on_eof_;
  uv_pipe_t pipe_{};
  bool opened_ = false;
  bool eof_ = false;
  bool paused_ = false;
  bool closed_ = true;
  bool target_broken_ = false;  // ckwrap's stream failed: output dropped, records still read
  char buffer_[64 * 1024];
};

}  // namespace ckwrap
