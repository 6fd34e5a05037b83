// One bucket of a done set's table (store/done_set.h): a 64-byte cache line
// of 11 slots, each an 8-bit tag of an id's hash and the id's place in the
// arena (38 bits: 32 in low[], 6 packed in high[]). Tag 0 marks an empty
// slot; a bucket fills front to back.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ckwrap {

struct alignas(64) DoneBucket {
  static constexpr unsigned kSlots = 11;
  static constexpr unsigned kRefBits = 38;

  uint8_t tags[kSlots];
  uint8_t high[9];  // slot s: bits 6s to 6s + 5
  uint32_t low[kSlots];

  // Bit s set where tags[s] == tag (tag 0: the empty slots).
  unsigned Matches(uint8_t tag) const {
    constexpr unsigned kAll = (1u << kSlots) - 1;
#if defined(__SSE2__)
    // The first 16 bytes: the 11 tags and 5 bytes of high bits.
    const __m128i line = _mm_load_si128(reinterpret_cast<const __m128i*>(this));
    const int hits = _mm_movemask_epi8(_mm_cmpeq_epi8(line, _mm_set1_epi8(static_cast<char>(tag))));
    return static_cast<unsigned>(hits) & kAll;
#else
    unsigned hits = 0;
    for (unsigned s = 0; s < kSlots; ++s) hits |= unsigned{tags[s] == tag} << s;
    return hits;
#endif
  }

  uint64_t Ref(unsigned slot) const {
    const unsigned bit = 6 * slot;
    return uint64_t{HighPair(bit) >> bit % 8 & 0x3f} << 32 | low[slot];
  }

  // ref < 2^38.
  void SetRef(unsigned slot, uint64_t ref) {
    const unsigned bit = 6 * slot;
    unsigned pair = HighPair(bit) & ~(0x3fu << bit % 8);
    pair |= static_cast<unsigned>(ref >> 32 & 0x3f) << bit % 8;
    high[bit / 8] = static_cast<uint8_t>(pair);
    high[bit / 8 + 1] = static_cast<uint8_t>(pair >> 8);
    low[slot] = static_cast<uint32_t>(ref);
  }

 private:
  // The two bytes of high[] that hold bit and the 5 after it.
  unsigned HighPair(unsigned bit) const { return high[bit / 8] | unsigned{high[bit / 8 + 1]} << 8; }
};

static_assert(sizeof(DoneBucket) == 64, "a bucket is one cache line");

}  // namespace ckwrap
