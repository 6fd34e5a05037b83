// A message that can repeat without bound (one per acknowledgement, per
// commit retry, per record naming a broken output) logged at a bounded rate:
// in each interval the first `burst` are shown, the rest only counted, and
// the count is reported in one "N more like this suppressed" line when the
// next interval's first message gets through, or when the limiter goes away.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ckwrap {

class RateLimitedLog {
 public:
  using Clock = std::chrono::steady_clock;
  // what names the kind of message in the summary line ("acknowledgement not
  // sent"): the suppressed ones may differ in their details.
  explicit RateLimitedLog(std::string what, int burst = 5,
                          Clock::duration interval = std::chrono::seconds(10));
  ~RateLimitedLog();  // reports what is still suppressed

  // LogError(message), or a count of it. now is for tests.
  void Error(const std::string& message, Clock::time_point now = Clock::now());
  // Logs the summary of what was suppressed so far, if anything was.
  void Flush();

 private:
  std::string what_;
  int burst_;
  Clock::duration interval_;
  Clock::time_point window_start_{};
  int shown_ = 0;            // in the current interval
  uint64_t suppressed_ = 0;  // since the last summary
};

}  // namespace ckwrap
