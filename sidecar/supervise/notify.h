// systemd's notification protocol (sd_notify(3)) for a unit with
// Type=notify, spoken directly: one datagram per message to the unix socket
// named by NOTIFY_SOCKET (a path, or '@' for the abstract namespace), no
// libsystemd. READY=1 once ckwrap supervises, STATUS= with position, rate and
// ETA (what `systemctl status` shows) once a second when it changed, and
// STOPPING=1 with the summary at the end. Without NOTIFY_SOCKET: nothing.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <uv.h>

#include <functional>
#include <string>

#include "supervise/status_line.h"

namespace ckwrap {

class Notifier {
 public:
  // loop may be nullptr for a Notifier that only says FinishedAtOnce.
  Notifier(uv_loop_t* loop, std::function<StatusSnapshot()> snapshot);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void Start();                               // READY=1, then STATUS= updates
  void Stopping(const std::string& summary);  // STOPPING=1 and STATUS=summary
  // A run with nothing to do (its job completed already): READY=1 first, as
  // systemd counts a Type=notify service that exits before it as failed.
  void FinishedAtOnce(const std::string& summary);

  // The STATUS= text for a snapshot: the plain status line's fields.
  static std::string StatusText(const StatusSnapshot& s, double rate);

 private:
  void Send(const std::string& message);
  void Tick();

  std::function<StatusSnapshot()> snapshot_;
  int fd_ = -1;
  sockaddr_un address_{};
  socklen_t address_length_ = 0;
  uv_timer_t timer_{};
  bool timer_started_ = false;
  RateMeter rate_;
  std::string last_status_;
};

}  // namespace ckwrap
