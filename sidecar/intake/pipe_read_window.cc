#include "intake/pipe_read_window.h"

#include <sys/ioctl.h>

#include <algorithm>

namespace ckwrap {

size_t PipeReadWindow::NextReadSize(int fd) {
  if (window_unread_ == 0) {
    size_t unread = 0;
    window_unread_ = window_bytes_ = Unread(fd, &unread) ? unread : 0;
  }
  return window_unread_ == 0 ? kBufferBytes : std::min(window_unread_, kBufferBytes);
}

PipeReadWindow::ReadEnd PipeReadWindow::EndRead(int fd, size_t size, size_t asked) {
  ReadEnd end;
  if (window_unread_ == 0) {
    // No window (the pipe looked empty when the read began): short of what
    // was asked, or nothing left after it, is a boundary; a full buffer with
    // more behind it may end inside a write.
    size_t unread = 0;
    end.at_write_boundary = size < asked || (Unread(fd, &unread) && unread == 0);
    end.emptied = end.at_write_boundary;
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
