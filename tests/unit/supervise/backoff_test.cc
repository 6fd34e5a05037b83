#include "supervise/backoff.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace ckwrap {
namespace {

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

// The documented bounds of the k-th delay (k = failures before it).
void CheckWithinBounds(uint64_t delay, uint64_t ceiling) {
  CHECK(delay <= ceiling);
  CHECK(delay >= ceiling - ceiling / 2);
}

TEST_SUITE_BEGIN("supervise/backoff");

TEST_CASE("Delays grow exponentially") {
  Backoff backoff(100, 1000000, 1);
  uint64_t ceiling = 100;
  for (int k = 0; k < 10; ++k) {
    INFO("failure ", k);
    CHECK(backoff.consecutive_failures() == static_cast<uint64_t>(k));
    CheckWithinBounds(backoff.NextDelayMs(), ceiling);
    ceiling *= 2;
  }
}

TEST_CASE("Delays are capped at the maximum") {
  Backoff backoff(100, 5000, 2);
  for (int k = 0; k < 1000; ++k) {
    const uint64_t delay = backoff.NextDelayMs();
    CHECK(delay <= 5000);
    if (k >= 6) CheckWithinBounds(delay, 5000);  // 100 * 2^6 > 5000
  }
  SUBCASE("An initial delay above the maximum is capped too") {
    Backoff big(10000, 3000, 3);
    CheckWithinBounds(big.NextDelayMs(), 3000);
  }
}

TEST_CASE("Many failures do not overflow the delay") {
  Backoff backoff(kMaxU64 / 3, kMaxU64, 4);
  for (int k = 0; k < 200; ++k) {
    const uint64_t delay = backoff.NextDelayMs();
    if (k == 0) CheckWithinBounds(delay, kMaxU64 / 3);
    if (k >= 2) CheckWithinBounds(delay, kMaxU64);
  }
  Backoff small(1, kMaxU64, 5);
  for (int k = 0; k < 100; ++k) {
    const uint64_t delay = small.NextDelayMs();
    CheckWithinBounds(delay, k < 64 ? uint64_t{1} << k : kMaxU64);
  }
}

TEST_CASE("Jitter spreads the delays over [d/2, d]") {
  std::vector<uint64_t> delays;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    Backoff backoff(1000, 1000, seed);
    delays.push_back(backoff.NextDelayMs());
  }
  const auto [lo, hi] = std::minmax_element(delays.begin(), delays.end());
  CHECK(*lo >= 500);
  CHECK(*hi <= 1000);
  CHECK(*lo < 520);  // 2000 draws over 501 values reach both ends
  CHECK(*hi > 980);
}

TEST_CASE("The same seed gives the same delays") {
  Backoff a(50, 100000, 42);
  Backoff b(50, 100000, 42);
  Backoff c(50, 100000, 43);
  bool differs = false;
  for (int k = 0; k < 20; ++k) {
    const uint64_t delay = a.NextDelayMs();
    CHECK(delay == b.NextDelayMs());
    differs = differs || delay != c.NextDelayMs();
  }
  CHECK(differs);
}

TEST_CASE("A reset starts the sequence over") {
  Backoff backoff(100, 100000, 6);
  for (int k = 0; k < 8; ++k) (void)backoff.NextDelayMs();
  CHECK(backoff.consecutive_failures() == 8);
  backoff.Reset();
  CHECK(backoff.consecutive_failures() == 0);
  CheckWithinBounds(backoff.NextDelayMs(), 100);
  CheckWithinBounds(backoff.NextDelayMs(), 200);
}

TEST_CASE("An initial delay of zero never waits") {
  Backoff backoff(0, 100000, 7);
  for (int k = 0; k < 100; ++k) CHECK(backoff.NextDelayMs() == 0);
  CHECK(backoff.consecutive_failures() == 100);
  Backoff no_max(100, 0, 8);
  CHECK(no_max.NextDelayMs() == 0);
}

TEST_CASE("A one-millisecond delay never rounds down to zero") {
  Backoff backoff(1, 1, 9);
  for (int k = 0; k < 50; ++k) CHECK(backoff.NextDelayMs() == 1);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
