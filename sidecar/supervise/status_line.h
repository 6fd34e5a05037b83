// ckwrap's own status line while it supervises (man/ckwrap.1, STATUS LINE).
// On a terminal (stderr is a TTY): one line, redrawn in place at most ten
// times a second, cleared before any other output reaches the terminal and
// redrawn only once that output has ended a line, so the job's lines print
// whole above it (the clearing and redrawing is base/terminal.h's; this file
// decides what the line says and when). Otherwise: a plain line every
// --status-interval and one per restart, with no escape codes.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>

namespace ckwrap {

// What the line shows, read from the supervisor's checkpoint.
struct StatusSnapshot {
  bool has_position = false;
  std::string position;
  uint64_t progress_done = 0;  // last PROGRESS
  uint64_t progress_total = 0;
  uint64_t done = 0;  // DONE ids
  uint64_t failed = 0;
  uint64_t attempts = 0;
  uint64_t restarts = 0;
};

// Items per second over the last ten seconds of samples.
class RateMeter {
 public:
  void Add(int64_t now_ms, uint64_t count);
  // Negative while unknown (fewer than two samples a second apart).
  double PerSecond() const;

 private:
  std::deque<std::pair<int64_t, uint64_t>> samples_;
};

// The items a job reports: its PROGRESS count, else its DONE ids.
uint64_t ItemsOf(const StatusSnapshot& s);
// Seconds to go at rate items per second, or -1 when unknown (no PROGRESS
// total, no rate, or more done than the total).
int64_t EtaSeconds(const StatusSnapshot& s, double rate);
// "12.3/s", "1234/s"; "21s", "4m10s", "2h05m": as the status line shows them.
std::string RateText(double rate);
std::string DurationText(uint64_t seconds);

// The terminal line (no escapes), at most width columns:
//   pos 743 | 743/1000 [#######---] 74% | 12.3/s | ETA 21s | restarts 2
std::string FormatTerminalStatus(const StatusSnapshot& s, double rate, size_t width);
// The plain line: "status: position 743, 743/1000 (74%), 12.3/s, ETA 21s, ..."
std::string FormatPlainStatus(const StatusSnapshot& s, double rate);
// The same fields as a JSON object, for --log-format json.
std::string StatusJsonFields(const StatusSnapshot& s, double rate);

class StatusLine {
 public:
  enum class Mode { kOff, kTerminal, kPlain };
  // kOff when quiet, else kTerminal when stderr is a TTY, else kPlain.
  static Mode ChooseMode(bool quiet);

  StatusLine(uv_loop_t* loop, Mode mode, uint64_t interval_ms,
             std::function<StatusSnapshot()> snapshot);
  ~StatusLine();
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  void Start();
  // A plain line at once (kPlain); the terminal line is redrawn on its own.
  void OnRestart();
  // Clears the terminal line for good (the run's last messages follow).
  void Stop();
  // Whether the child's stream fd (ckwrap's stdout or stderr) must be piped
  // through ckwrap so its lines cannot tear the terminal line.
  bool PipesStream(int fd) const;

 private:
  static void OnTimer(uv_timer_t* timer);
  void Tick();

  uv_loop_t* loop_;
  Mode mode_;
  uint64_t interval_ms_;
  std::function<StatusSnapshot()> snapshot_;
  uv_timer_t timer_{};
  bool timer_started_ = false;
  RateMeter rate_;
};

}  // namespace ckwrap
