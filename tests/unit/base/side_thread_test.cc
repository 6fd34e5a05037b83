#include "base/side_thread.h"

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace ckwrap {
namespace {

TEST_SUITE_BEGIN("base/side_thread");

TEST_CASE("Each task runs on another thread, and Wait returns once it has run") {
  SideThread side;
  CHECK_FALSE(side.busy());
  side.Wait();  // none: at once
  std::thread::id ran_on;
  int runs = 0;
  for (int i = 0; i < 100; ++i) {
    side.Run([&] {
      ran_on = std::this_thread::get_id();
      ++runs;
    });
    CHECK(side.busy());
    side.Wait();
    CHECK_FALSE(side.busy());
    CHECK(runs == i + 1);  // its writes are seen after Wait
  }
  const bool elsewhere = ran_on != std::this_thread::get_id();
  CHECK(elsewhere);
}

TEST_CASE("ready() is false while the task runs and true once it has run") {
  SideThread side;
  CHECK(side.ready());  // none
  std::atomic<bool> release{false};
  side.Run([&] {
    while (!release.load()) std::this_thread::yield();
  });
  CHECK_FALSE(side.ready());  // it cannot have finished: it waits for release
  release = true;
  while (!side.ready()) std::this_thread::yield();
  CHECK(side.busy());  // until waited for
  side.Wait();
  CHECK(side.ready());
}

TEST_CASE("What a task throws is thrown by Wait, and the thread takes the next task") {
  SideThread side;
  side.Run([] { throw std::length_error("done set: over 128 GiB of ids"); });
  CHECK_THROWS_AS(side.Wait(), std::length_error);
  CHECK_FALSE(side.busy());
  bool ran = false;
  side.Run([&] { ran = true; });
  side.Wait();
  CHECK(ran);
}

TEST_CASE("Going away, it waits for the task that runs") {
  bool ran = false;
  {
    SideThread side;
    side.Run([&] {
      std::this_thread::yield();
      ran = true;
    });
  }
  CHECK(ran);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
