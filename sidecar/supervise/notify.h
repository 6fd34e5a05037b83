// systemd's notification protocol (sd_notify(3)) for a unit with
// Type=notify, spoken directly: one datagram per message to the unix socket
// named by NOTIFY_SOCKET (a path, or '@' for the abstract namespace), no
// libsystemd. READY=1 once ckwrap supervises, STATUS= with position, rate and
// ETA (what `systemctl status` shows) once a second when it changed, and
// STOPPING=1 with the summary at the end. Without NOTIFY_SOCKET: nothing.
//
// With WatchdogSec= (WATCHDOG_USEC, for this pid) it is a progress watchdog:
// every tenth of the timeout, WATCHDOG=1 only if the activity count moved
// since the last tick (the job's records and launches) or ckwrap itself is
// busy (between attempts, stopping the job). So a job silent for the timeout is restarted by
// systemd (give or take a tenth), where a liveness ping would only show that ckwrap itself is
// alive.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

#include "supervise/status_line.h"

namespace ckwrap {

class Notifier {
 public:
  // loop may be nullptr for a Notifier that only says FinishedAtOnce.
  Notifier(uv_loop_t* loop, std::function<StatusSnapshot()> snapshot,
           std::function<uint64_t()> activity, std::function<bool()> busy);
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
  // The tick for WATCHDOG_USEC and WATCHDOG_PID (0: no watchdog for this
  // process): a tenth of the timeout, well within the half sd_watchdog_enabled(3)
  // asks for, so that the silence systemd acts on is the timeout +-10%.
  static uint64_t WatchdogIntervalMs(const char* usec, const char* pid, pid_t self);

 private:
  void Send(const std::string& message);
  void Tick();
  void WatchdogTick();

  std::function<StatusSnapshot()> snapshot_;
  std::function<uint64_t()> activity_;
  std::function<bool()> busy_;
  int fd_ = -1;
  sockaddr_un address_{};
  socklen_t address_length_ = 0;
  uv_timer_t timer_{};
  bool timer_started_ = false;
  uv_timer_t watchdog_timer_{};
  uint64_t watchdog_interval_ms_ = 0;
  uint64_t last_activity_ = 0;
  RateMeter rate_;
  std::string last_status_;
};

}  // namespace ckwrap
