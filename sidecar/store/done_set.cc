#include "store/done_set.h"

#include <xxhash.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>

namespace ckwrap {
namespace {

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

uint64_t Hash(std::string_view id) { return XXH3_64bits(id.data(), id.size()); }
// The low bits (the bucket comes from the high ones), never 0 (empty).
uint8_t Tag(uint64_t hash) {
  const auto tag = static_cast<uint8_t>(hash);
  return tag == 0 ? 1 : tag;
}
size_t RegionOf(uint64_t hash) { return hash >> (64 - kRegionBits); }

// LEB128: 1 byte for ids up to 127 bytes.
void PutVarint(DoneSet::Chunk* out, size_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

size_t VarintBytes(size_t value) {
  size_t n = 1;
  for (; value >= 0x80; value >>= 7) ++n;
  return n;
}

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

// Buckets for n ids at a load of at most 7/8 (Capacity()).
size_t BucketsFor(size_t n, size_t slots_per_bucket) {
  const size_t ids_per_8_buckets = slots_per_bucket * 7;
  return std::max<size_t>(1, (n * 8 + ids_per_8_buckets - 1) / ids_per_8_buckets);
}

}  // namespace

DoneSet::DoneSet(std::initializer_list<std::string_view> ids) {
  for (std::string_view id : ids) insert(id);
}

uint64_t DoneSet::Append(std::string_view id) {
  const size_t need = VarintBytes(id.size()) + id.size();
  if (chunks_.empty() || (!chunks_.back().empty() && chunks_.back().size() + need > kChunkBytes)) {
    if (chunks_.size() >= kMaxChunks) throw std::length_error("done set: over 128 GiB of ids");
    chunks_.emplace_back();
    chunks_.back().reserve(std::max(need, chunks_.size() == 1 ? kFirstChunkBytes : kChunkBytes));
  }
  Chunk& chunk = chunks_.back();
  const uint64_t ref = (uint64_t{chunks_.size() - 1} << kChunkShift) | chunk.size();
  PutVarint(&chunk, id.size());
  chunk.append(id);
  id_bytes_ += id.size();
  ++size_;
  return ref;
}

std::string_view DoneSet::IdAt(uint64_t ref) const {
  size_t next = 0;
  return IdIn(chunks_[ref >> kChunkShift], ref & (kChunkBytes - 1), &next);
}

size_t DoneSet::Find(std::string_view id, uint64_t hash) const {
  return Probe(table_, BucketOf(hash), Tag(hash),
               [&](const Bucket& bucket, unsigned slot) { return IdAt(bucket.Ref(slot)) == id; });
}

void DoneSet::Place(size_t spot, uint64_t hash, uint64_t ref) {
  Bucket& bucket = table_[spot >> 4];
  bucket.tags[spot & 15] = Tag(hash);
  bucket.SetRef(spot & 15, ref);
}

bool DoneSet::insert(std::string_view id) {
  if (table_.empty()) Rehash(1);
  const uint64_t hash = Hash(id);
  size_t spot = Find(id, hash);
  if (Taken(spot)) return false;
  if (size_ + 1 > Capacity()) {
    Grow(size_ + 1);
    spot = Find(id, hash);
  }
  Place(spot, hash, Append(id));
  return true;
}

void DoneSet::InsertBatch(const std::string_view* ids, size_t n, bool* added) {
  if (n >= kPartitionedBatch) {
    // In slices of 256 Ki ids: its scratch (24 bytes an id) stays at 6 MB,
    // and a slice still puts a thousand ids in each region of a 10 M-id table.
    constexpr size_t kMaxBatch = size_t{1} << 18;
    for (size_t start = 0; start < n; start += kMaxBatch) {
      InsertPartitioned(ids + start, std::min(kMaxBatch, n - start),
                        added == nullptr ? nullptr : added + start);
    }
    return;
  }
  // In slices, each reserving room for all its ids: a large batch of ids
  // already present must not grow the table for nothing.
  constexpr size_t kSlice = 4096;
  for (size_t start = 0; start < n; start += kSlice) {
    const size_t count = std::min(kSlice, n - start);
    InsertSlice(ids + start, count, added == nullptr ? nullptr : added + start);
  }
}

namespace {

// Calls visit(i, hash of ids[i]) for i in [0, n), hashing kPrefetchAhead ids
// ahead and prefetching their buckets, so the memory latency of one lookup
// is covered by the work on the ones before it. The table must not be
// rehashed meanwhile (the prefetched lines would be stale, not wrong: only
// slower).
template <typename BucketOf, typename Visit>
void ForEachPrefetched(const std::string_view* ids, size_t n, BucketOf bucket_of, Visit visit) {
  uint64_t hashes[kPrefetchAhead];
  for (size_t i = 0; i < n && i < kPrefetchAhead; ++i) {
    hashes[i] = Hash(ids[i]);
    __builtin_prefetch(bucket_of(hashes[i]));
  }
  for (size_t i = 0; i < n; ++i) {
    const uint64_t hash = hashes[i % kPrefetchAhead];
    if (i + kPrefetchAhead < n) {
      uint64_t& ahead = hashes[i % kPrefetchAhead];
      ahead = Hash(ids[i + kPrefetchAhead]);
      __builtin_prefetch(bucket_of(ahead));
    }
    visit(i, hash);
  }
}

}  // namespace

void DoneSet::InsertSlice(const std::string_view* ids, size_t n, bool* added) {
  if (size_ + n > Capacity()) Grow(size_ + n);  // no rehash below: the prefetches stay valid
  const auto bucket_of = [this](uint64_t hash) { return &table_[BucketOf(hash)]; };
  ForEachPrefetched(ids, n, bucket_of, [&](size_t i, uint64_t hash) {
    const size_t spot = Find(ids[i], hash);
    const bool is_new = !Taken(spot);
    if (is_new) Place(spot, hash, Append(ids[i]));
    if (added != nullptr) added[i] = is_new;
  });
}

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

void DoneSet::ContainsBatch(const std::string_view* ids, size_t n, bool* found) const {
  if (table_.empty()) {
    std::fill(found, found + n, false);
    return;
  }
  const auto bucket_of = [this](uint64_t hash) { return &table_[BucketOf(hash)]; };
  ForEachPrefetched(ids, n, bucket_of,
                    [&](size_t i, uint64_t hash) { found[i] = Taken(Find(ids[i], hash)); });
}

bool DoneSet::contains(std::string_view id) const {
  if (table_.empty()) return false;
  return Taken(Find(id, Hash(id)));
}

void DoneSet::reserve(size_t n) {
  if (n > Capacity()) Rehash(BucketsFor(n, kSlotsPerBucket));
}

void DoneSet::Grow(size_t n) {
  Rehash(std::max(BucketsFor(n, kSlotsPerBucket), table_.size() + (table_.size() + 1) / 2));
}

void DoneSet::Rehash(size_t buckets) {
  // The old table's memory goes back first (the arena says where every id
  // goes), so the peak is the new table, not both. Out of memory for it,
  // the old one is built again (its memory was just given back) and the
  // set is as it was.
  const size_t before = table_.size();
  table_ = Table();
  try {
    table_ = Table(buckets, Bucket{});
  } catch (const std::bad_alloc&) {
    if (before > 0) {
      table_ = Table(before, Bucket{});
      PlaceAll();
    }
    throw;
  }
  PlaceAll();
}

void DoneSet::PlaceAll() {
  // The arena is walked in order (sequential reads), hashing kPrefetchAhead
  // ids ahead of the one placed.
  const size_t buckets = table_.size();
  uint64_t hashes[kPrefetchAhead];
  uint64_t refs[kPrefetchAhead];
  size_t queued = 0;
  size_t placed = 0;
  auto place_next = [&] {
    const size_t k = placed++ % kPrefetchAhead;
    size_t bucket = BucketOf(hashes[k]);
    unsigned empty = 0;
    while ((empty = table_[bucket].Matches(0)) == 0)
      bucket = bucket + 1 == buckets ? 0 : bucket + 1;
    Place(bucket << 4 | static_cast<unsigned>(__builtin_ctz(empty)), hashes[k], refs[k]);
  };
  for (size_t c = 0; c < chunks_.size(); ++c) {
    for (size_t at = 0; at < chunks_[c].size(); ++queued) {
      if (queued - placed == kPrefetchAhead) place_next();
      refs[queued % kPrefetchAhead] = (uint64_t{c} << kChunkShift) | at;
      const uint64_t hash = Hash(IdIn(chunks_[c], at, &at));
      hashes[queued % kPrefetchAhead] = hash;
      __builtin_prefetch(&table_[BucketOf(hash)]);
    }
  }
  while (placed < queued) place_next();
}

bool DoneSet::VisitInTableOrder(const std::function<bool(std::string_view)>& visit) const {
  // The ids' bytes are fetched ahead, a bucket before they are read: after
  // a load in this order they follow the arena, but ids added since are
  // anywhere in it.
  for (size_t b = 0; b < table_.size(); ++b) {
    if (b + 1 < table_.size()) {
      const Bucket& ahead = table_[b + 1];
      for (unsigned slot = 0; slot < kSlotsPerBucket && ahead.tags[slot] != 0; ++slot) {
        const uint64_t ref = ahead.Ref(slot);
        __builtin_prefetch(chunks_[ref >> kChunkShift].data() + (ref & (kChunkBytes - 1)));
      }
    }
    const Bucket& bucket = table_[b];
    for (unsigned slot = 0; slot < kSlotsPerBucket && bucket.tags[slot] != 0; ++slot) {
      if (!visit(IdAt(bucket.Ref(slot)))) return false;
    }
  }
  return true;
}

void DoneSet::clear() {
  chunks_.clear();
  chunks_.shrink_to_fit();
  table_.clear();
  table_.shrink_to_fit();
  size_ = 0;
  id_bytes_ = 0;
}

DoneSet& DoneSet::operator=(DoneSet&& other) noexcept {
  if (this != &other) {
    chunks_ = std::move(other.chunks_);
    table_ = std::move(other.table_);
    size_ = std::exchange(other.size_, 0);
    id_bytes_ = std::exchange(other.id_bytes_, 0);
    other.chunks_.clear();
    other.table_.clear();
  }
  return *this;
}

void DoneSet::merge(DoneSet& other) {
  if (&other == this) return;  // as std::unordered_set::merge: nothing to add
  for (std::string_view id : other) insert(id);
  other.clear();
}

bool DoneSet::operator==(const DoneSet& other) const {
  if (size_ != other.size_) return false;
  for (std::string_view id : other) {
    if (!contains(id)) return false;
  }
  return true;
}

DoneSet::const_iterator DoneSet::begin() const { return const_iterator(&chunks_, 0, 0); }
DoneSet::const_iterator DoneSet::end() const { return const_iterator(&chunks_, chunks_.size(), 0); }

DoneSet::const_iterator::const_iterator(const std::vector<Chunk>* chunks, size_t chunk, size_t at)
    : chunks_(chunks), chunk_(chunk), at_(at) {
  SkipEmptyChunks();
}

void DoneSet::const_iterator::SkipEmptyChunks() {
  while (chunk_ < chunks_->size() && at_ >= (*chunks_)[chunk_].size()) {
    ++chunk_;
    at_ = 0;
  }
}

}  // namespace ckwrap
