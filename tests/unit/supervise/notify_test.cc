#include "supervise/notify.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "store/checkpoint_test_util.h"
#include "supervise/event_loop.h"

namespace ckwrap {
namespace {

TEST_SUITE_BEGIN("supervise/notify");

TEST_CASE("The watchdog ticks at a tenth of WATCHDOG_USEC, for this process only") {
  CHECK(Notifier::WatchdogIntervalMs(nullptr, nullptr, 7) == 0);
  CHECK(Notifier::WatchdogIntervalMs("30000000", nullptr, 7) == 3000);
  CHECK(Notifier::WatchdogIntervalMs("30000000", "7", 7) == 3000);
  CHECK(Notifier::WatchdogIntervalMs("30000000", "8", 7) == 0);  // meant for another process
  CHECK(Notifier::WatchdogIntervalMs("1000", nullptr, 7) == 1);  // never 0 for a set timeout
  CHECK(Notifier::WatchdogIntervalMs("0", nullptr, 7) == 0);
  CHECK(Notifier::WatchdogIntervalMs("soon", nullptr, 7) == 0);
  CHECK(Notifier::WatchdogIntervalMs("30s", nullptr, 7) == 0);
}

// A NOTIFY_SOCKET to read what a Notifier sends.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  }
  ~NotifySocket() { close(fd_); }
  // The WATCHDOG=1 messages received since the last call.
  int Pings() {
    int pings = 0;
    char buffer[4096];
    for (ssize_t n; (n = recv(fd_, buffer, sizeof(buffer), 0)) > 0;) {
      if (std::string(buffer, static_cast<size_t>(n)) == "WATCHDOG=1") ++pings;
    }
    return pings;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// Runs the loop for ms milliseconds of its own timers.
void RunFor(EventLoop& loop, uint64_t ms) {
  uv_timer_t timer;
  uv_timer_init(loop.get(), &timer);
  bool over = false;
  timer.data = &over;
  uv_timer_start(
      &timer, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, ms, 0);
  while (!over) loop.RunOnce();
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  loop.RunOnce();
}

TEST_CASE("WATCHDOG=1 goes out only while the activity count moves") {
  testing::TempDir dir;
  NotifySocket listener(dir.path() + "/notify");
  setenv("NOTIFY_SOCKET", (dir.path() + "/notify").c_str(), 1);
  setenv("WATCHDOG_USEC", "200000", 1);  // a tick every 20 ms
  unsetenv("WATCHDOG_PID");
  uint64_t activity = 0;
  bool busy = false;
  {
    EventLoop loop([](int) {});
    Notifier notifier(
        loop.get(), [] { return StatusSnapshot{}; }, [&] { return activity; },
        [&] { return busy; });
    notifier.Start();
    CHECK(listener.Pings() == 1);  // at once: the launch is activity
    RunFor(loop, 120);             // six intervals without a record
    CHECK(listener.Pings() == 0);
    activity = 5;
    RunFor(loop, 30);
    CHECK(listener.Pings() == 1);
    busy = true;  // between attempts, or stopping the job: ckwrap is at work
    RunFor(loop, 50);
    CHECK(listener.Pings() >= 1);
    busy = false;
    listener.Pings();
    notifier.Stopping("done");
    activity = 6;
    RunFor(loop, 50);
    CHECK(listener.Pings() == 0);  // stopping: no more pings
    loop.Close();
  }
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
