#include "supervise/notify.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "base/clock.h"

namespace ckwrap {
namespace {

constexpr uint64_t kStatusIntervalMs = 1000;

}  // namespace

Notifier::Notifier(uv_loop_t* loop, std::function<StatusSnapshot()> snapshot,
                   std::function<uint64_t()> activity, std::function<bool()> busy)
    : snapshot_(std::move(snapshot)), activity_(std::move(activity)), busy_(std::move(busy)) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || (path[0] != '/' && path[0] != '@')) return;
  const size_t length = std::strlen(path);
  if (length >= sizeof(address_.sun_path)) return;
  address_.sun_family = AF_UNIX;
  std::memcpy(address_.sun_path, path, length);
  if (path[0] == '@') address_.sun_path[0] = '\0';  // abstract: no terminating NUL counted
  address_length_ =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length + (path[0] == '/' ? 1 : 0));
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0 || loop == nullptr) return;
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  watchdog_interval_ms_ =
      WatchdogIntervalMs(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), getpid());
  uv_timer_init(loop, &watchdog_timer_);
  watchdog_timer_.data = this;
}

uint64_t Notifier::WatchdogIntervalMs(const char* usec, const char* pid, pid_t self) {
  if (usec == nullptr) return 0;
  char* end = nullptr;
  errno = 0;
  const unsigned long long timeout_us = std::strtoull(usec, &end, 10);
  if (errno != 0 || end == usec || *end != '\0' || timeout_us == 0) return 0;
  if (pid != nullptr && std::strtoll(pid, nullptr, 10) != self) return 0;  // another's
  return std::max<uint64_t>(1, timeout_us / 10000);
}

Notifier::~Notifier() {
  if (fd_ >= 0) close(fd_);
}

std::string Notifier::StatusText(const StatusSnapshot& s, double rate) {
  std::string line = FormatPlainStatus(s, rate);
  const std::string prefix = "status: ";
  return line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : line;
}

void Notifier::Start() {
  if (fd_ < 0) return;
  Send("READY=1");
  Tick();
  uv_timer_start(
      &timer_, [](uv_timer_t* timer) { static_cast<Notifier*>(timer->data)->Tick(); },
      kStatusIntervalMs, kStatusIntervalMs);
  timer_started_ = true;
  if (watchdog_interval_ms_ == 0) return;
  Send("WATCHDOG=1");  // the launch is activity
  last_activity_ = activity_();
  uv_timer_start(
      &watchdog_timer_,
      [](uv_timer_t* timer) { static_cast<Notifier*>(timer->data)->WatchdogTick(); },
      watchdog_interval_ms_, watchdog_interval_ms_);
}

void Notifier::WatchdogTick() {
  const uint64_t activity = activity_();
  // No record and ckwrap idle too: systemd's timeout runs on.
  if (activity == last_activity_ && !busy_()) return;
  last_activity_ = activity;
  Send("WATCHDOG=1");
}

void Notifier::Stopping(const std::string& summary) {
  if (fd_ < 0) return;
  if (timer_started_) uv_timer_stop(&timer_);
  if (watchdog_interval_ms_ != 0) uv_timer_stop(&watchdog_timer_);
  timer_started_ = false;
  Send("STOPPING=1\nSTATUS=" + summary);
}

void Notifier::FinishedAtOnce(const std::string& summary) {
  if (fd_ < 0) return;
  Send("READY=1\nSTATUS=" + summary);
  Send("STOPPING=1");
}

void Notifier::Tick() {
  const StatusSnapshot snapshot = snapshot_();
  rate_.Add(NowUnixMs(), ItemsOf(snapshot));
  std::string status = StatusText(snapshot, rate_.PerSecond());
  if (status == last_status_) return;
  last_status_ = status;
  Send("STATUS=" + status);
}

void Notifier::Send(const std::string& message) {
  // Best effort, as sd_notify: a full or absent socket loses a status line.
  (void)sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&address_), address_length_);
}

}  // namespace ckwrap
