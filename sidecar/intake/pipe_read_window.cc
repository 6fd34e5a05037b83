#include "intake/pipe_read_window.h"

#include <sys/ioctl.h>

#include <algorithm>

namespace ckwrap {

size_t PipeReadWindow::NextReadSize() const {
  return window_unread_ == 0 ? kBufferBytes : std::min(window_unread_, kBufferBytes);
}

PipeReadWindow::ReadEnd PipeReadWindow::EndRead(int fd, size_t size, size_t asked) {
  ReadEnd end;
  if (window_unread_ == 0) {
    // No window: a read short of its buffer took all the pipe held. A full
    // buffer is a boundary with nothing behind it, and else opens a window
    // over what is behind it. Not "emptied" either way: through a pipe of a
    // buffer's size, a flood's every read is a full buffer.
    end.emptied = size < asked;
    size_t unread = 0;
    end.at_write_boundary = end.emptied || (Unread(fd, &unread) && unread == 0);
    window_unread_ = window_bytes_ = end.at_write_boundary ? 0 : unread;
    return end;
  }
  window_unread_ -= std::min(size, window_unread_);
  end.at_write_boundary = window_unread_ == 0 || size < asked;
  // Short of what was asked, or a window under a buffer read whole: all that
  // was there when it opened (a full buffer may have had more behind it).
  end.emptied = size < asked || (size >= window_bytes_ && window_bytes_ < kBufferBytes);
  if (end.emptied) window_unread_ = 0;
  return end;
}

bool PipeReadWindow::Unread(int fd, size_t* unread) {
  int bytes = 0;
  if (ioctl(fd, FIONREAD, &bytes) != 0 || bytes < 0) return false;
  *unread = static_cast<size_t>(bytes);
  return true;
}

}  // namespace ckwrap
