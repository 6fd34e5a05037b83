// PipeReadWindow on a real pipe: where reads end with a whole write, and when
// a read took all the pipe held. Each case does by hand what libuv does with
// the window: ask NextReadSize, read(2) that much, report it to EndRead.
#include "intake/pipe_read_window.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace ckwrap {
namespace {

constexpr size_t kBuffer = PipeReadWindow::kBufferBytes;

class Pipe {
 public:
  Pipe() {
    REQUIRE(::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) == 0);
    REQUIRE(::fcntl(fds_[0], F_SETPIPE_SZ, 1 << 20) >= (1 << 20));
  }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  // n bytes in writes of at most 4096 (whole, as a job's are).
  void Write(size_t n) {
    const std::string chunk(4096, 'x');
    for (size_t left = n; left > 0;) {
      const size_t size = std::min(left, chunk.size());
      REQUIRE(::write(fds_[1], chunk.data(), size) == static_cast<ssize_t>(size));
      left -= size;
    }
  }
  // One read as libuv makes it: of the size the window asks for.
  PipeReadWindow::ReadEnd Read(PipeReadWindow* window, size_t* got = nullptr) {
    return ReadAsked(window, window->NextReadSize(), got);
  }
  // The read of a size already asked for (NextReadSize called before).
  PipeReadWindow::ReadEnd ReadAsked(PipeReadWindow* window, size_t asked, size_t* got = nullptr) {
    static char buffer[kBuffer];
    const ssize_t n = ::read(fds_[0], buffer, asked);
    REQUIRE(n > 0);
    if (got != nullptr) *got = static_cast<size_t>(n);
    return window->EndRead(fds_[0], static_cast<size_t>(n), asked);
  }

 private:
  int fds_[2];
};

TEST_SUITE_BEGIN("intake/pipe_read_window");

TEST_CASE("What the pipe holds, under a buffer, is one read: a boundary, and emptied") {
  Pipe pipe;
  PipeReadWindow window;
  pipe.Write(3000);
  size_t got = 0;
  const PipeReadWindow::ReadEnd end = pipe.Read(&window, &got);
  CHECK(got == 3000);
  CHECK(end.at_write_boundary);
  CHECK(end.emptied);
}

TEST_CASE("A window over several reads ends with a whole write though the writer wrote on") {
  Pipe pipe;
  PipeReadWindow window;
  pipe.Write(200 * 1024);
  // A full buffer with more behind it opens the window: the 136 KiB behind.
  size_t got = 0;
  PipeReadWindow::ReadEnd end = pipe.Read(&window, &got);
  REQUIRE(got == kBuffer);
  CHECK_FALSE(end.at_write_boundary);
  CHECK_FALSE(end.emptied);
  CHECK(window.NextReadSize() == kBuffer);
  size_t read = got;
  for (int i = 0; i < 2; ++i) {
    pipe.Write(100 * 1024);  // the job keeps the pipe full
    end = pipe.Read(&window, &got);
    CHECK(got == kBuffer);
    CHECK_FALSE(end.at_write_boundary);
    CHECK_FALSE(end.emptied);
    read += got;
  }
  pipe.Write(100 * 1024);
  // The window's last piece: asked for exactly the rest, with the pipe far
  // from empty.
  CHECK(window.NextReadSize() == 200 * 1024 - read);
  end = pipe.Read(&window, &got);
  CHECK(read + got == 200 * 1024);
  CHECK(end.at_write_boundary);
  CHECK_FALSE(end.emptied);  // so a flood is not paused at each window's end
  // No window open: the next read asks for a whole buffer.
  CHECK(window.NextReadSize() == kBuffer);
}

TEST_CASE("A full buffer with nothing behind it is a boundary but not emptied") {
  // Through a pipe of a buffer's size, every read of a flood is such a read:
  // "emptied" would pause each of them.
  Pipe pipe;
  PipeReadWindow window;
  pipe.Write(kBuffer);
  const PipeReadWindow::ReadEnd end = pipe.Read(&window);
  CHECK(end.at_write_boundary);
  CHECK_FALSE(end.emptied);
  CHECK(window.NextReadSize() == kBuffer);  // no window opened
}

TEST_CASE(
    "A full buffer with more behind it may end inside a write: the window is what is behind") {
  Pipe pipe;
  PipeReadWindow window;
  pipe.Write(kBuffer + 100);
  PipeReadWindow::ReadEnd end = pipe.Read(&window);
  CHECK_FALSE(end.at_write_boundary);
  CHECK_FALSE(end.emptied);
  REQUIRE(window.NextReadSize() == 100);
  pipe.Write(5000);  // more comes before the window is read
  size_t got = 0;
  end = pipe.Read(&window, &got);
  CHECK(got == 100);
  CHECK(end.at_write_boundary);
  CHECK(end.emptied);  // all the pipe held when the window opened
  CHECK(window.NextReadSize() == kBuffer);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
