// DoneSet::InsertPartitioned and its pieces: a batch of 64 Ki ids or more
// (a journal commit's, on loading) placed one region of the table at a time.
#include <algorithm>
#include <iterator>
#include <string_view>

#include "store/done_set.h"
#include "store/done_set_layout.h"

namespace ckwrap {

using namespace done_set_layout;  // NOLINT: this file's half of the set

// One id of a partitioned batch: its hash, then (once placed) its spot.
struct DoneSet::BatchEntry {
  uint64_t hash_or_spot;
  uint32_t index;  // in the batch
  bool fresh;      // not in the set before
};

// In a batch's refs once placed: an id that was already there (or, for a
// second copy, earlier in the batch).
constexpr uint64_t kNotNew = ~uint64_t{0};

// A counting sort, stable: a repeated id's first copy comes first.
DoneSet::BatchOrder DoneSet::OrderByRegion(const std::string_view* ids, size_t n,
                                           BatchHashes* hashes) {
  hashes->resize(n);
  size_t starts[(size_t{1} << kRegionBits) + 1] = {};
  for (size_t i = 0; i < n; ++i) {
    (*hashes)[i] = Hash(ids[i]);
    ++starts[RegionOf((*hashes)[i]) + 1];
  }
  for (size_t r = 1; r < std::size(starts); ++r) starts[r] += starts[r - 1];
  BatchOrder order(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t hash = (*hashes)[i];
    order[starts[RegionOf(hash)]++] = {hash, static_cast<uint32_t>(i), false};
  }
  return order;
}

void DoneSet::InsertPartitioned(const std::string_view* ids, size_t n, bool* added) {
  if (size_ + n > Capacity()) Grow(size_ + n);  // a batch this large is new ids but for a few
  // Scratch of 24 bytes an id, in huge pages: a journal's replay makes one
  // batch per commit, and faulting in fresh 4 KiB pages for each cost more
  // than the placement they speed up.
  BatchHashes refs;
  BatchOrder order = OrderByRegion(ids, n, &refs);
  // 1. Region by region (its pages stay in the TLB; its lines are fetched
  // ahead), each id finds its spot. A new one takes it, holding its batch
  // index until it is appended, so a later copy in the batch finds it.
  for (size_t k = 0; k < n; ++k) {
    if (k + kPrefetchAhead < n) {
      __builtin_prefetch(&table_[BucketOf(order[k + kPrefetchAhead].hash_or_spot)]);
      __builtin_prefetch(&refs[order[k + kPrefetchAhead].index]);
    }
    BatchEntry& entry = order[k];
    const size_t spot = FindInBatch(ids, entry.index, entry.hash_or_spot);
    entry.fresh = !Taken(spot);
    if (entry.fresh) Place(spot, entry.hash_or_spot, kBatchIndexRef | entry.index);
    entry.hash_or_spot = spot;
    refs[entry.index] = entry.fresh ? 0 : kNotNew;  // the hash is in the slot's tag now
  }
  // 2. The new ids appended in batch order (read front to back), their refs
  // in refs[i]; 3. region by region, their slots point at them.
  AppendBatch(ids, n, order, &refs);
  for (size_t k = 0; k < n; ++k) {
    if (k + kPrefetchAhead < n) __builtin_prefetch(&refs[order[k + kPrefetchAhead].index]);
    const BatchEntry& entry = order[k];
    if (entry.fresh)
      table_[entry.hash_or_spot >> 4].SetRef(entry.hash_or_spot & 15, refs[entry.index]);
  }
  for (size_t i = 0; added != nullptr && i < n; ++i) added[i] = refs[i] != kNotNew;
}

size_t DoneSet::FindInBatch(const std::string_view* ids, uint32_t index, uint64_t hash) const {
  return Probe(table_, BucketOf(hash), Tag(hash), [&](const Bucket& bucket, unsigned slot) {
    const uint64_t ref = bucket.Ref(slot);
    return ((ref & kBatchIndexRef) != 0 ? ids[ref & ~kBatchIndexRef] : IdAt(ref)) == ids[index];
  });
}

void DoneSet::AppendBatch(const std::string_view* ids, size_t n, const BatchOrder& order,
                          BatchHashes* refs) {
  const size_t chunks = chunks_.size();
  const size_t last_bytes = chunks == 0 ? 0 : chunks_.back().size();
  const size_t size = size_;
  const uint64_t id_bytes = id_bytes_;
  try {
    for (size_t i = 0; i < n; ++i) {
      if ((*refs)[i] != kNotNew) (*refs)[i] = Append(ids[i]);
    }
  } catch (...) {
    // Out of memory for a chunk: the set goes back to what it was before the
    // batch. Every slot the batch took was empty before it, and nothing
    // that was there moved.
    for (const BatchEntry& entry : order) {
      if (entry.fresh) table_[entry.hash_or_spot >> 4].tags[entry.hash_or_spot & 15] = 0;
    }
    chunks_.resize(chunks);
    if (chunks > 0) chunks_.back().resize(last_bytes);
    size_ = size;
    id_bytes_ = id_bytes;
    throw;
  }
}

}  // namespace ckwrap
