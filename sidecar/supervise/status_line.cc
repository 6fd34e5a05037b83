#include "supervise/status_line.h"

#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "base/log.h"
#include "store/checkpoint_json.h"

namespace ckwrap {
namespace {

constexpr int64_t kRateWindowMs = 10000;
constexpr uint64_t kRedrawMs = 100;  // at most ten redraws a second
constexpr const char* kClear = "\r\033[K";

// The live terminal line, when one is drawn: shared with TerminalOutput*.
struct Live {
  bool active = false;     // a kTerminal StatusLine is running
  bool drawn = false;      // the line is on the screen now
  bool line_start = true;  // the last byte others wrote ended a line
  bool dirty = false;      // cleared by others' output: redraw at the next tick
} live;

int64_t NowMs() {
  struct timeval tv {};
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

void WriteStderr(const std::string& bytes) {
  ssize_t ignored = write(STDERR_FILENO, bytes.data(), bytes.size());
  (void)ignored;  // a failing terminal has nowhere to report to
}

size_t TerminalWidth() {
  struct winsize ws {};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string Rate(double rate) {
  char buffer[32];
  if (rate >= 100) {
    snprintf(buffer, sizeof buffer, "%.0f/s", rate);
  } else {
    snprintf(buffer, sizeof buffer, "%.1f/s", rate);
  }
  return buffer;
}

std::string Duration(uint64_t s) {
  char buffer[32];
  if (s < 60) {
    snprintf(buffer, sizeof buffer, "%llus", static_cast<unsigned long long>(s));
  } else if (s < 3600) {
    snprintf(buffer, sizeof buffer, "%llum%02llus", static_cast<unsigned long long>(s / 60),
             static_cast<unsigned long long>(s % 60));
  } else {
    snprintf(buffer, sizeof buffer, "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
             static_cast<unsigned long long>((s % 3600) / 60));
  }
  return buffer;
}

// Seconds to go, or -1 when unknown.
int64_t EtaSeconds(const StatusSnapshot& s, double rate) {
  if (s.progress_total == 0 || rate <= 0 || s.progress_done > s.progress_total) return -1;
  return static_cast<int64_t>(std::ceil((s.progress_total - s.progress_done) / rate));
}

int Percent(const StatusSnapshot& s) {
  if (s.progress_total == 0) return -1;
  uint64_t done = std::min(s.progress_done, s.progress_total);
  return static_cast<int>(done * 100 / s.progress_total);
}

}  // namespace

void RateMeter::Add(int64_t now_ms, uint64_t count) {
  if (!samples_.empty() && count < samples_.back().second) samples_.clear();  // a new total
  samples_.emplace_back(now_ms, count);
  while (samples_.size() > 2 && samples_[1].first <= now_ms - kRateWindowMs) samples_.pop_front();
}

double RateMeter::PerSecond() const {
  if (samples_.size() < 2) return -1;
  int64_t ms = samples_.back().first - samples_.front().first;
  if (ms < 1000) return -1;
  return static_cast<double>(samples_.back().second - samples_.front().second) * 1000.0 / ms;
}

uint64_t ItemsOf(const StatusSnapshot& s) {
  return s.progress_done > 0 || s.progress_total > 0 ? s.progress_done : s.done;
}

std::string FormatTerminalStatus(const StatusSnapshot& s, double rate, size_t width) {
  std::string line = "ckwrap: ";
  line += s.has_position ? "pos " + s.position : std::string("starting");
  if (s.progress_total > 0) {
    line += " | " + std::to_string(s.progress_done) + "/" + std::to_string(s.progress_total);
    constexpr int kBar = 20;
    int filled = Percent(s) * kBar / 100;
    line += " [" + std::string(filled, '#') + std::string(kBar - filled, '-') + "] " +
            std::to_string(Percent(s)) + "%";
  } else if (ItemsOf(s) > 0) {
    line += " | " + std::to_string(ItemsOf(s)) + " done";
  }
  if (rate >= 0) line += " | " + Rate(rate);
  int64_t eta = EtaSeconds(s, rate);
  if (eta >= 0) line += " | ETA " + Duration(eta);
  if (s.failed > 0) line += " | failed " + std::to_string(s.failed);
  line += " | restarts " + std::to_string(s.restarts);
  if (width > 1 && line.size() > width - 1) line.resize(width - 1);  // never wrap
  return line;
}

std::string FormatPlainStatus(const StatusSnapshot& s, double rate) {
  std::string line = "status: position " + (s.has_position ? s.position : std::string("(none)"));
  if (s.progress_total > 0) {
    line += ", " + std::to_string(s.progress_done) + "/" + std::to_string(s.progress_total) + " (" +
            std::to_string(Percent(s)) + "%)";
  } else if (s.progress_done > 0) {
    line += ", progress " + std::to_string(s.progress_done);
  }
  if (rate >= 0) line += ", " + Rate(rate);
  int64_t eta = EtaSeconds(s, rate);
  if (eta >= 0) line += ", ETA " + Duration(eta);
  line += ", done " + std::to_string(s.done) + ", failed " + std::to_string(s.failed) +
          ", attempt " + std::to_string(s.attempts) + ", restarts " + std::to_string(s.restarts);
  return line;
}

std::string StatusJsonFields(const StatusSnapshot& s, double rate) {
  char rate_text[32];
  snprintf(rate_text, sizeof rate_text, "%.3f", rate);
  int64_t eta = EtaSeconds(s, rate);
  return "{\"position\":" + (s.has_position ? JsonString(s.position) : std::string("null")) +
         ",\"progress_done\":" + std::to_string(s.progress_done) +
         ",\"progress_total\":" + std::to_string(s.progress_total) +
         ",\"rate_per_s\":" + (rate >= 0 ? std::string(rate_text) : std::string("null")) +
         ",\"eta_s\":" + (eta >= 0 ? std::to_string(eta) : std::string("null")) +
         ",\"done\":" + std::to_string(s.done) + ",\"failed\":" + std::to_string(s.failed) +
         ",\"attempts\":" + std::to_string(s.attempts) +
         ",\"restarts\":" + std::to_string(s.restarts) + "}";
}

StatusLine::Mode StatusLine::ChooseMode(bool quiet) {
  if (quiet) return Mode::kOff;
  if (isatty(STDERR_FILENO)) return Mode::kTerminal;
  return Mode::kPlain;
}

StatusLine::StatusLine(uv_loop_t* loop, Mode mode, uint64_t interval_ms,
                       std::function<StatusSnapshot()> snapshot)
    : loop_(loop), mode_(mode), interval_ms_(interval_ms), snapshot_(std::move(snapshot)) {
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  // The timer alone never keeps the loop running.
  uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
}

StatusLine::~StatusLine() {
  Stop();
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  }
}

void StatusLine::Start() {
  if (mode_ == Mode::kOff || timer_started_) return;
  timer_started_ = true;
  if (mode_ == Mode::kTerminal) {
    live = Live{};
    live.active = true;
    live.dirty = true;
    uv_timer_start(&timer_, OnTimer, kRedrawMs, kRedrawMs);
  } else if (interval_ms_ > 0) {
    uv_timer_start(&timer_, OnTimer, interval_ms_, interval_ms_);
  }
}

void StatusLine::OnRestart() {
  if (mode_ == Mode::kPlain) Tick();
}

void StatusLine::Stop() {
  if (!timer_started_) return;
  timer_started_ = false;
  uv_timer_stop(&timer_);
  if (mode_ == Mode::kTerminal) {
    if (live.drawn) WriteStderr(kClear);
    live = Live{};
  }
}

bool StatusLine::PipesStream(int fd) const { return mode_ == Mode::kTerminal && isatty(fd); }

void StatusLine::OnTimer(uv_timer_t* timer) { static_cast<StatusLine*>(timer->data)->Tick(); }

void StatusLine::Tick() {
  StatusSnapshot s = snapshot_();
  rate_.Add(NowMs(), ItemsOf(s));
  double rate = rate_.PerSecond();
  if (mode_ == Mode::kPlain) {
    LogStatus(FormatPlainStatus(s, rate), StatusJsonFields(s, rate));
    return;
  }
  std::string line = FormatTerminalStatus(s, rate, TerminalWidth());
  if (!live.line_start) return;  // the job is mid-line: never draw into it
  if (live.drawn && !live.dirty && line == last_drawn_) return;
  WriteStderr(kClear + line);
  last_drawn_ = line;
  live.drawn = true;
  live.dirty = false;
}

void TerminalOutputBegin() {
  if (!live.active || !live.drawn) return;
  WriteStderr(kClear);
  live.drawn = false;
  live.dirty = true;
}

void TerminalOutputEnd(std::string_view written) {
  if (!live.active || written.empty()) return;
  live.line_start = written.back() == '\n';
}

}  // namespace ckwrap
