// Where the reads of a pipe end with a whole write(2) of its writers, so that
// a commit is cut only there (ckwrap-protocol(7), "Records written together").
// A write of at most PIPE_BUF bytes goes into a pipe whole, so what the pipe
// holds at any instant ends with a whole write. A read short of its buffer
// took all the pipe held: it ends so. A read that fills its buffer opens a
// window over what the pipe holds after it (FIONREAD), which is read to its
// end, in reads of the buffer's size at most, before any further: where a
// window ends, the bytes read end with a whole write, even while the writer
// keeps the pipe full and it never drains. Inside a window a read may end
// inside a write. A job that waits for each acknowledgement costs one read(2)
// a record, no ioctl.
#pragma once

#include <cstddef>

namespace ckwrap {

class PipeReadWindow {
 public:
  static constexpr size_t kBufferBytes = 64 * 1024;  // the largest read

  struct ReadEnd {
    bool at_write_boundary = false;  // the bytes read so far end with a whole write
    bool emptied = false;            // the read took all the pipe held, as far as is known
  };

  // A new pipe: no window open.
  void Reset() { window_bytes_ = window_unread_ = 0; }
  // How much the next read asks for.
  size_t NextReadSize() const;
  // After that read brought size bytes of the asked.
  ReadEnd EndRead(int fd, size_t size, size_t asked);

 private:
  // FIONREAD: the bytes fd holds now; false if it cannot say.
  static bool Unread(int fd, size_t* unread);

  size_t window_bytes_ = 0;   // what the pipe held when the window opened
  size_t window_unread_ = 0;  // of that, still unread (0: no window open)
};

}  // namespace ckwrap
