#include "base/rate_limited_log.h"

#include <utility>

#include "base/log.h"

namespace ckwrap {

RateLimitedLog::RateLimitedLog(std::string what, int burst, Clock::duration interval)
    : what_(std::move(what)), burst_(burst), interval_(interval) {}

RateLimitedLog::~RateLimitedLog() { Flush(); }

void RateLimitedLog::Error(const std::string& message, Clock::time_point now) {
  if (shown_ == 0 || now - window_start_ >= interval_) {
    Flush();
    window_start_ = now;
    shown_ = 0;
  }
  if (shown_ < burst_) {
    ++shown_;
    LogError(message);
    return;
  }
  ++suppressed_;
}

void RateLimitedLog::Flush() {
  if (suppressed_ == 0) return;
  LogError(std::to_string(suppressed_) + " more like this suppressed (" + what_ + ")");
  suppressed_ = 0;
}

}  // namespace ckwrap
