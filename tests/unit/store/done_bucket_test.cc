#include "store/done_bucket.h"

#include <doctest/doctest.h>

#include <random>

using ckwrap::DoneBucket;

TEST_SUITE_BEGIN("store/done_bucket");

// A done set reaches refs over 32 bits only past 4 GiB of ids: here every
// slot's ref is set and read back directly, the high bits of its neighbours
// included.
TEST_CASE("Each slot of a bucket keeps a 38-bit ref of its own") {
  std::mt19937_64 random(11);
  constexpr uint64_t kMax = (uint64_t{1} << DoneBucket::kRefBits) - 1;
  for (int round = 0; round < 2000; ++round) {
    DoneBucket bucket{};
    uint64_t refs[DoneBucket::kSlots];
    for (unsigned s = 0; s < DoneBucket::kSlots; ++s) {
      refs[s] = round == 0 ? kMax : random() & kMax;
      bucket.SetRef(s, refs[s]);
    }
    // Overwriting a slot leaves the others as they were.
    const unsigned again = static_cast<unsigned>(random() % DoneBucket::kSlots);
    refs[again] = random() & kMax;
    bucket.SetRef(again, refs[again]);
    for (unsigned s = 0; s < DoneBucket::kSlots; ++s) REQUIRE(bucket.Ref(s) == refs[s]);
  }
}

TEST_CASE("A bucket's matches name exactly the slots with that tag, and 0 the empty ones") {
  DoneBucket bucket{};
  CHECK(bucket.Matches(0) == (1u << DoneBucket::kSlots) - 1);
  CHECK(bucket.Matches(7) == 0);
  const uint8_t tags[] = {7, 200, 7, 1};
  for (unsigned s = 0; s < 4; ++s) bucket.tags[s] = tags[s];
  // High bits that look like a tag are not a slot.
  bucket.SetRef(10, (uint64_t{0x3f} << 32) | 7);
  for (unsigned s = 0; s < 9; ++s) bucket.high[s] = 7;
  CHECK(bucket.Matches(7) == 0b101u);
  CHECK(bucket.Matches(200) == 0b10u);
  CHECK(bucket.Matches(1) == 0b1000u);
  CHECK(bucket.Matches(0) == ((1u << DoneBucket::kSlots) - 1) - 0b1111u);
}

TEST_SUITE_END();
