#include "store/done_set.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <utility>

#include "store/done_set_layout.h"

namespace ckwrap {

using namespace done_set_layout;  // NOLINT: this file's half of the set

namespace {

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

}  // namespace

size_t DoneSet::BucketsFor(size_t n) {
  const size_t ids_per_8_buckets = kSlotsPerBucket * 7;  // a load of at most 7/8
  return std::max<size_t>(1, (n * 8 + ids_per_8_buckets - 1) / ids_per_8_buckets);
}

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
  if (n > Capacity()) Rehash(BucketsFor(n));
}

void DoneSet::Grow(size_t n) {
  Rehash(std::max(BucketsFor(n), table_.size() + (table_.size() + 1) / 2));
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
  uint64_t hashes[kPrefetchAhead];
  uint64_t refs[kPrefetchAhead];
  size_t queued = 0;
  size_t placed = 0;
  auto place_next = [&] {
    const size_t k = placed++ % kPrefetchAhead;
    Place(FreeSpot(hashes[k]), hashes[k], refs[k]);
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
  // In batches, their buckets fetched ahead, rather than a cache miss an id:
  // a snapshot's overflow can be a hundred thousand ids (150 k into 4 M:
  // 16-22 ms one at a time, 11-16 ms so).
  constexpr size_t kBatch = 4096;
  std::vector<std::string_view> ids;
  ids.reserve(std::min(kBatch, other.size()));
  for (std::string_view id : other) {
    ids.push_back(id);
    if (ids.size() == kBatch) {
      InsertBatch(ids.data(), ids.size(), nullptr);
      ids.clear();
    }
  }
  InsertBatch(ids.data(), ids.size(), nullptr);
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
