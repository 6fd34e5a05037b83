// Exponential backoff with equal jitter (backoff.h). The draw uses only mt19937_64's raw output
// (fully specified by the standard), not a std:: distribution (whose algorithm
// is left to the library), so a seed gives the same delays everywhere.
#include "supervise/backoff.h"

#include <limits>

namespace ckwrap {
namespace {

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

// Uniform in [0, bound], by rejection: no modulo bias.
uint64_t UniformUpTo(uint64_t bound, std::mt19937_64* rng) {
  if (bound == kMaxU64) return (*rng)();
  const uint64_t n = bound + 1;
  const uint64_t reject_below = (0 - n) % n;  // 2^64 mod n
  uint64_t x;
  do {
    x = (*rng)();
  } while (x < reject_below);
  return x % n;
}

// min(max, initial * 2^failures) without overflow: doubling stops at max, so
// the loop runs at most 64 times however many failures there were.
uint64_t Ceiling(uint64_t initial, uint64_t max, uint64_t failures) {
  uint64_t d = initial;
  for (uint64_t i = 0; i < failures && d < max; ++i) d = d > max / 2 ? max : d * 2;
  return d < max ? d : max;
}

}  // namespace

Backoff::Backoff(uint64_t initial_ms, uint64_t max_ms, uint64_t seed)
    : initial_ms_(initial_ms), max_ms_(max_ms), rng_(seed) {}

uint64_t Backoff::NextDelayMs() {
  const uint64_t failures = failures_;
  if (failures_ != kMaxU64) ++failures_;
  if (initial_ms_ == 0) return 0;  // also keeps Ceiling's loop from spinning on 0
  const uint64_t d = Ceiling(initial_ms_, max_ms_, failures);
  const uint64_t low = d - d / 2;  // ceil(d/2): the wait never drops below half
  return low + UniformUpTo(d - low, &rng_);
}

void Backoff::Reset() { failures_ = 0; }

}  // namespace ckwrap
