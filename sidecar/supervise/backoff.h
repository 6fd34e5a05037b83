// Exponential backoff with "equal jitter" between relaunches: half of each
// delay is fixed and half random, so relaunches never come sooner than d/2
// yet a fleet of jobs that failed together does not relaunch in step.
#pragma once

#include <cstdint>
#include <random>

namespace ckwrap {

class Backoff {
 public:
  // initial_ms 0 disables waiting entirely.
  Backoff(uint64_t initial_ms, uint64_t max_ms, uint64_t seed);
  // Delay before the next relaunch: uniform in [d/2, d], d = min(max, initial*2^failures).
  uint64_t NextDelayMs();
  // A run that made progress starts the sequence over.
  void Reset();
  uint64_t consecutive_failures() const { return failures_; }

 private:
  uint64_t initial_ms_;
  uint64_t max_ms_;
  uint64_t failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ckwrap
