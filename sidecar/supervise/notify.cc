#include "supervise/notify.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "base/clock.h"

namespace ckwrap {
namespace {

constexpr uint64_t kStatusIntervalMs = 1000;

}  // namespace

Notifier::Notifier(uv_loop_t* loop, std::function<StatusSnapshot()> snapshot)
    : snapshot_(std::move(snapshot)) {
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
}

void Notifier::Stopping(const std::string& summary) {
  if (fd_ < 0) return;
  if (timer_started_) uv_timer_stop(&timer_);
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
