#include "supervise/status_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "base/clock.h"
#include "base/escape.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "base/terminal.h"

namespace ckwrap {
namespace {

constexpr int64_t kRateWindowMs = 10000;
constexpr uint64_t kRedrawMs = 100;  // at most ten redraws a second

size_t TerminalWidth() {
  struct winsize ws {};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

std::string RateText(double rate) {
  char buffer[32];
  if (rate >= 100) {
    snprintf(buffer, sizeof buffer, "%.0f/s", rate);
  } else {
    snprintf(buffer, sizeof buffer, "%.1f/s", rate);
  }
  return buffer;
}

std::string DurationText(uint64_t s) {
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

int64_t EtaSeconds(const StatusSnapshot& s, double rate) {
  if (s.progress_total == 0 || rate <= 0 || s.progress_done > s.progress_total) return -1;
  return static_cast<int64_t>(std::ceil((s.progress_total - s.progress_done) / rate));
}

namespace {

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
  line += s.has_position ? "pos " + Printable(s.position) : std::string("starting");
  if (s.progress_total > 0) {
    line += " | " + std::to_string(s.progress_done) + "/" + std::to_string(s.progress_total);
    constexpr int kBar = 20;
    int filled = Percent(s) * kBar / 100;
    line += " [" + std::string(filled, '#') + std::string(kBar - filled, '-') + "] " +
            std::to_string(Percent(s)) + "%";
  } else if (ItemsOf(s) > 0) {
    line += " | " + std::to_string(ItemsOf(s)) + " done";
  }
  if (rate >= 0) line += " | " + RateText(rate);
  int64_t eta = EtaSeconds(s, rate);
  if (eta >= 0) line += " | ETA " + DurationText(eta);
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
  if (rate >= 0) line += ", " + RateText(rate);
  int64_t eta = EtaSeconds(s, rate);
  if (eta >= 0) line += ", ETA " + DurationText(eta);
  line += ", done " + std::to_string(s.done) + ", failed " + std::to_string(s.failed) +
          ", attempt " + std::to_string(s.attempts) + ", restarts " + std::to_string(s.restarts);
  return line;
}

std::string StatusJsonFields(const StatusSnapshot& s, double rate) {
  int64_t eta = EtaSeconds(s, rate);
  JsonWriter json;
  json.BeginObject().Key("position").StringOrNull(s.has_position, s.position);
  json.Key("progress_done").Number(s.progress_done);
  json.Key("progress_total").Number(s.progress_total);
  json.Key("rate_per_s");
  rate >= 0 ? json.Fixed(rate, 3) : json.Null();
  json.Key("eta_s");
  eta >= 0 ? json.Number(eta) : json.Null();
  json.Key("done").Number(s.done).Key("failed").Number(s.failed);
  json.Key("attempts").Number(s.attempts).Key("restarts").Number(s.restarts);
  return json.EndObject().Take();
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
    StartLiveLine();
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
  if (mode_ == Mode::kTerminal) StopLiveLine();
}

bool StatusLine::PipesStream(int fd) const { return mode_ == Mode::kTerminal && isatty(fd); }

void StatusLine::OnTimer(uv_timer_t* timer) { static_cast<StatusLine*>(timer->data)->Tick(); }

void StatusLine::Tick() {
  StatusSnapshot s = snapshot_();
  rate_.Add(NowUnixMs(), ItemsOf(s));
  double rate = rate_.PerSecond();
  if (mode_ == Mode::kPlain) {
    LogStatus(FormatPlainStatus(s, rate), StatusJsonFields(s, rate));
    return;
  }
  DrawLiveLine(FormatTerminalStatus(s, rate, TerminalWidth()));
}

}  // namespace ckwrap
