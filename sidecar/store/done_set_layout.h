// The layout a done set's table and arena share between done_set.cc (one
// id at a time, growth, lookups) and done_set_batch.cc (a large batch placed
// region by region): what a ref is, how an id's hash picks its bucket, tag
// and region, and the probe over the buckets. Not for use elsewhere.
#pragma once

#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/done_bucket.h"

namespace ckwrap {
namespace done_set_layout {

// A ref (an id's place) is chunk << kChunkShift | offset: offsets within a
// chunk stay below kChunkBytes (an id longer than that gets a chunk of its
// own, at offset 0). 4 MiB: a chunk is two whole huge pages
// (base/huge_pages.h).
constexpr unsigned kChunkShift = 22;
constexpr size_t kChunkBytes = size_t{1} << kChunkShift;
constexpr size_t kFirstChunkBytes = 256;  // small sets stay small
constexpr unsigned kRefBits = DoneBucket::kRefBits;
// A ref with this bit set is a batch index, for the moment InsertPartitioned
// places an id it has not appended yet; so the arena stays below 128 GiB.
constexpr uint64_t kBatchIndexRef = uint64_t{1} << (kRefBits - 1);
constexpr size_t kMaxChunks = (size_t{1} << (kRefBits - 1 - kChunkShift)) - 1;
// How many ids ahead a batch computes hashes and prefetches buckets: enough
// to cover a memory latency with the work of placing the ids in between.
constexpr size_t kPrefetchAhead = 16;
// From this many ids a batch is placed one region of the table at a time
// (InsertPartitioned), in this many regions (the hash's top bits: a bucket
// is chosen by them, so a region is a run of buckets).
constexpr size_t kPartitionedBatch = size_t{1} << 16;
constexpr unsigned kRegionBits = 8;

inline uint64_t Hash(std::string_view id) { return XXH3_64bits(id.data(), id.size()); }
// The low bits (the bucket comes from the high ones), never 0 (empty).
inline uint8_t Tag(uint64_t hash) {
  const auto tag = static_cast<uint8_t>(hash);
  return tag == 0 ? 1 : tag;
}
inline size_t RegionOf(uint64_t hash) { return hash >> (64 - kRegionBits); }

// The spot of the id that is_id(bucket, slot) recognizes, or the first empty
// slot of the run of buckets from the hash's own: a bucket with an empty
// slot ends the search, as nothing is ever taken out from before it.
template <typename Table, typename IsId>
size_t Probe(const Table& table, size_t bucket, uint8_t tag, IsId is_id) {
  for (;; bucket = bucket + 1 == table.size() ? 0 : bucket + 1) {
    for (unsigned hits = table[bucket].Matches(tag); hits != 0; hits &= hits - 1) {
      const auto slot = static_cast<unsigned>(__builtin_ctz(hits));
      if (is_id(table[bucket], slot)) return bucket << 4 | slot;
    }
    if (const unsigned empty = table[bucket].Matches(0); empty != 0) {
      return bucket << 4 | static_cast<unsigned>(__builtin_ctz(empty));
    }
  }
}

}  // namespace done_set_layout
}  // namespace ckwrap
