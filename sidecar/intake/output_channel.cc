#include "intake/output_channel.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/log.h"
#include "base/terminal.h"

namespace ckwrap {

int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n >= 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, -1);
      continue;
    }
    return errno;
  }
  return 0;
}

OutputChannel::OutputChannel(uv_loop_t* loop, const char* name, int target_fd, std::string prefix,
                             size_t max_line_bytes, OutputFilter::Callbacks callbacks,
                             std::function<void()> on_batch, std::function<void()> on_eof)
    : loop_(loop),
      name_(name),
      target_fd_(target_fd),
      filter_(std::move(prefix), max_line_bytes,
              [this, &callbacks] {
                callbacks.pass = [this](std::string_view bytes) { Pass(bytes); };
                return std::move(callbacks);
              }()),
      on_batch_(std::move(on_batch)),
      on_eof_(std::move(on_eof)) {}

OutputChannel::~OutputChannel() = default;

bool OutputChannel::Open(int* child_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  uv_pipe_init(loop_, &pipe_, 0);
  pipe_.data = this;
  closed_ = false;
  opened_ = true;
  if (uv_pipe_open(&pipe_, fds[0]) != 0 ||
      (!paused_ && uv_read_start(reinterpret_cast<uv_stream_t*>(&pipe_), OnAlloc, OnRead) != 0)) {
    close(fds[1]);
    errno = EIO;
    OnEof();
    return false;
  }
  *child_fd = fds[1];
  return true;
}

void OutputChannel::SetPaused(bool paused) {
  if (paused == paused_) return;
  paused_ = paused;
  if (!opened_ || eof_) return;  // not reading yet, or never again
  auto* stream = reinterpret_cast<uv_stream_t*>(&pipe_);
  if (paused) {
    uv_read_stop(stream);
  } else if (int rc = uv_read_start(stream, OnAlloc, OnRead); rc != 0) {
    LogError(std::string("cannot read the job's ") + name_ + " again: " + uv_strerror(rc));
  }
}

void OutputChannel::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<OutputChannel*>(handle->data);
  *buf = uv_buf_init(self->buffer_, sizeof(self->buffer_));
}

void OutputChannel::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<OutputChannel*>(stream->data);
  if (nread > 0) {
    self->filter_.Feed(std::string_view(buf->base, static_cast<size_t>(nread)));
    self->on_batch_();
  } else if (nread < 0) {
    self->OnEof();
  }
}

void OutputChannel::Pass(std::string_view bytes) {
  if (target_broken_) return;
  TerminalOutputBegin();
  int err = WriteAll(target_fd_, bytes);
  TerminalOutputEnd(bytes);
  if (err == 0) return;
  // The job keeps running and its records still count; only the text is lost.
  target_broken_ = true;
  LogError(std::string("cannot write the job's ") + name_ + " to ckwrap's " + name_ + ": " +
           std::strerror(err) + "; its further output is discarded, records are still read");
}

void OutputChannel::OnEof() {
  if (eof_) return;
  filter_.Finish();
  eof_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&pipe_),
           [](uv_handle_t* handle) { static_cast<OutputChannel*>(handle->data)->closed_ = true; });
  on_batch_();
  on_eof_();
}

}  // namespace ckwrap
