#include "store/done_set.h"

#include <xxhash.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <utility>

namespace ckwrap {
namespace {

// A ref is chunk << kChunkShift | offset: offsets within a chunk stay below
// kChunkBytes (an id longer than that gets a chunk of its own, at offset 0).
// 4 MiB: a chunk is two whole huge pages (base/huge_pages.h).
constexpr unsigned kChunkShift = 22;
constexpr size_t kChunkBytes = size_t{1} << kChunkShift;
constexpr size_t kFirstChunkBytes = 256;  // small sets stay small
constexpr unsigned kTagShift = 40;        // DoneSet::kRefBits
constexpr uint64_t kRefMask = (uint64_t{1} << kTagShift) - 1;
// A ref with this bit set is a batch index, for the moment InsertPartitioned
// places an id it has not appended yet; so the arena stays below 512 GiB.
constexpr uint64_t kBatchIndexRef = uint64_t{1} << (kTagShift - 1);
constexpr size_t kMaxChunks = (size_t{1} << (kTagShift - 1 - kChunkShift)) - 1;
constexpr size_t kMinSlots = 16;
// How many ids ahead a batch computes hashes and prefetches slots: enough to
// cover a memory latency with the work of placing the ids in between.
constexpr size_t kPrefetchAhead = 16;
// From this many ids a batch is placed one region of the table at a time
// (InsertPartitioned), in this many regions.
constexpr size_t kPartitionedBatch = size_t{1} << 16;
constexpr unsigned kRegionBits = 8;

uint64_t Hash(std::string_view id) { return XXH3_64bits(id.data(), id.size()); }
uint64_t Tag(uint64_t hash) { return hash >> kTagShift; }

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

// Slots for n ids at a load factor of at most 3/4.
size_t SlotsFor(size_t n) {
  size_t slots = kMinSlots;
  while (slots / 4 * 3 < n) slots *= 2;
  return slots;
}

}  // namespace

DoneSet::DoneSet(std::initializer_list<std::string_view> ids) {
  for (std::string_view id : ids) insert(id);
}

uint64_t DoneSet::Append(std::string_view id) {
  const size_t need = VarintBytes(id.size()) + id.size();
  if (chunks_.empty() || (!chunks_.back().empty() && chunks_.back().size() + need > kChunkBytes)) {
    if (chunks_.size() >= kMaxChunks) throw std::length_error("done set: over 512 GiB of ids");
    chunks_.emplace_back();
    chunks_.back().reserve(std::max(need, chunks_.size() == 1 ? kFirstChunkBytes : kChunkBytes));
  }
  Chunk& chunk = chunks_.back();
  const uint64_t ref = (uint64_t{chunks_.size() - 1} << kChunkShift) | chunk.size();
  PutVarint(&chunk, id.size());
  chunk.append(id);
  id_bytes_ += id.size();
  return ref;
}

std::string_view DoneSet::IdAt(uint64_t ref) const {
  size_t next = 0;
  return IdIn(chunks_[ref >> kChunkShift], ref & (kChunkBytes - 1), &next);
}

size_t DoneSet::Find(std::string_view id, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  const uint64_t tag = Tag(hash);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint64_t slot = slots_[i];
    if (slot == 0) return i;
    if (slot >> kTagShift == tag && IdAt((slot & kRefMask) - 1) == id) return i;
  }
}

bool DoneSet::insert(std::string_view id) {
  if (slots_.empty()) Rehash(kMinSlots);
  const uint64_t hash = Hash(id);
  size_t i = Find(id, hash);
  if (slots_[i] != 0) return false;
  if (size_ + 1 > slots_.size() / 4 * 3) {
    Rehash(slots_.size() * 2);
    i = Find(id, hash);
  }
  Place(i, hash, Append(id));
  ++size_;
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
// ahead and prefetching their slots, so the memory latency of one lookup is
// covered by the work on the ones before it. The table must not be rehashed
// meanwhile (the prefetched slots would be stale, not wrong: only slower).
template <typename Slots, typename Visit>
void ForEachPrefetched(const std::string_view* ids, size_t n, const Slots& slots, Visit visit) {
  const size_t mask = slots.size() - 1;
  uint64_t hashes[kPrefetchAhead];
  for (size_t i = 0; i < n && i < kPrefetchAhead; ++i) {
    hashes[i] = Hash(ids[i]);
    __builtin_prefetch(&slots[hashes[i] & mask]);
  }
  for (size_t i = 0; i < n; ++i) {
    const uint64_t hash = hashes[i % kPrefetchAhead];
    if (i + kPrefetchAhead < n) {
      uint64_t& ahead = hashes[i % kPrefetchAhead];
      ahead = Hash(ids[i + kPrefetchAhead]);
      __builtin_prefetch(&slots[ahead & mask]);
    }
    visit(i, hash);
  }
}

}  // namespace

void DoneSet::InsertSlice(const std::string_view* ids, size_t n, bool* added) {
  reserve(size_ + n);  // no rehash below: the prefetched slots stay valid
  ForEachPrefetched(ids, n, slots_, [&](size_t i, uint64_t hash) {
    const size_t slot = Find(ids[i], hash);
    const bool is_new = slots_[slot] == 0;
    if (is_new) {
      Place(slot, hash, Append(ids[i]));
      ++size_;
    }
    if (added != nullptr) added[i] = is_new;
  });
}

// One id of a partitioned batch: its hash, then (once placed) its slot.
struct DoneSet::BatchEntry {
  uint64_t hash_or_slot;
  uint32_t index;  // in the batch
  bool fresh;      // not in the set before
};

// In a batch's hashes once placed: an id that was already there (or, for a
// second copy, earlier in the batch).
constexpr uint64_t kNotNew = ~uint64_t{0};

// A counting sort, stable: a repeated id's first copy comes first.
DoneSet::BatchOrder DoneSet::OrderByRegion(const std::string_view* ids, size_t n, size_t mask,
                                           unsigned shift, BatchHashes* hashes) {
  hashes->resize(n);
  size_t starts[(size_t{1} << kRegionBits) + 1] = {};
  for (size_t i = 0; i < n; ++i) {
    (*hashes)[i] = Hash(ids[i]);
    ++starts[(((*hashes)[i] & mask) >> shift) + 1];
  }
  for (size_t r = 1; r < std::size(starts); ++r) starts[r] += starts[r - 1];
  BatchOrder order(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t hash = (*hashes)[i];
    order[starts[(hash & mask) >> shift]++] = {hash, static_cast<uint32_t>(i), false};
  }
  return order;
}

void DoneSet::InsertPartitioned(const std::string_view* ids, size_t n, bool* added) {
  reserve(size_ + n);  // a batch this large is new ids but for a few
  const size_t mask = slots_.size() - 1;
  const auto shift = static_cast<unsigned>(__builtin_ctzll(slots_.size())) - kRegionBits;
  // Scratch of 24 bytes an id, in huge pages: a journal's replay makes one
  // batch per commit, and faulting in fresh 4 KiB pages for each cost more
  // than the placement they speed up.
  BatchHashes hashes;
  BatchOrder order = OrderByRegion(ids, n, mask, shift, &hashes);
  // 1. Region by region (its pages stay in the TLB; its lines are fetched
  // ahead), each id finds its slot. A new one takes it, holding its batch
  // index until it is appended, so a later copy in the batch finds it.
  for (size_t k = 0; k < n; ++k) {
    if (k + kPrefetchAhead < n) {
      __builtin_prefetch(&slots_[order[k + kPrefetchAhead].hash_or_slot & mask]);
      __builtin_prefetch(&hashes[order[k + kPrefetchAhead].index]);
    }
    BatchEntry& entry = order[k];
    const size_t at = FindInBatch(ids, entry.index, entry.hash_or_slot);
    entry.fresh = slots_[at] == 0;
    if (entry.fresh) Place(at, entry.hash_or_slot, kBatchIndexRef | entry.index);
    entry.hash_or_slot = at;
    hashes[entry.index] = entry.fresh ? 0 : kNotNew;  // the hash is in the slot's tag now
  }
  // 2. The new ids appended in batch order (read front to back), their refs
  // in hashes[i]; 3. region by region, their slots point at them.
  AppendBatch(ids, n, order, &hashes);
  for (size_t k = 0; k < n; ++k) {
    if (k + kPrefetchAhead < n) __builtin_prefetch(&hashes[order[k + kPrefetchAhead].index]);
    const BatchEntry& entry = order[k];
    if (!entry.fresh) continue;
    uint64_t& slot = slots_[entry.hash_or_slot];
    slot = (slot & ~kRefMask) | (hashes[entry.index] + 1);
    ++size_;
  }
  for (size_t i = 0; added != nullptr && i < n; ++i) added[i] = hashes[i] != kNotNew;
}

size_t DoneSet::FindInBatch(const std::string_view* ids, uint32_t index, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t at = hash & mask;; at = (at + 1) & mask) {
    const uint64_t slot = slots_[at];
    if (slot == 0) return at;
    if (slot >> kTagShift != Tag(hash)) continue;
    const uint64_t ref = (slot & kRefMask) - 1;
    const std::string_view there =
        (ref & kBatchIndexRef) != 0 ? ids[ref & ~kBatchIndexRef] : IdAt(ref);
    if (there == ids[index]) return at;
  }
}

void DoneSet::AppendBatch(const std::string_view* ids, size_t n, const BatchOrder& order,
                          BatchHashes* refs) {
  const size_t chunks = chunks_.size();
  const size_t last_bytes = chunks == 0 ? 0 : chunks_.back().size();
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
      if (entry.fresh) slots_[entry.hash_or_slot] = 0;
    }
    chunks_.resize(chunks);
    if (chunks > 0) chunks_.back().resize(last_bytes);
    id_bytes_ = id_bytes;
    throw;
  }
}

void DoneSet::ContainsBatch(const std::string_view* ids, size_t n, bool* found) const {
  if (slots_.empty()) {
    std::fill(found, found + n, false);
    return;
  }
  ForEachPrefetched(ids, n, slots_,
                    [&](size_t i, uint64_t hash) { found[i] = slots_[Find(ids[i], hash)] != 0; });
}

bool DoneSet::contains(std::string_view id) const {
  if (slots_.empty()) return false;
  return slots_[Find(id, Hash(id))] != 0;
}

void DoneSet::reserve(size_t n) {
  const size_t slots = SlotsFor(n);
  if (slots > slots_.size()) Rehash(slots);
}

void DoneSet::Rehash(size_t slots) {
  // Walks the arena in order (sequential reads) rather than the old table,
  // hashing kPrefetchAhead ids ahead of the one placed.
  decltype(slots_) table(slots, 0);
  slots_.swap(table);
  table = decltype(slots_)();  // the old table's memory back at once
  const size_t mask = slots - 1;
  uint64_t hashes[kPrefetchAhead];
  uint64_t refs[kPrefetchAhead];
  size_t queued = 0;
  size_t placed = 0;
  auto place_next = [&] {
    const size_t k = placed++ % kPrefetchAhead;
    size_t i = hashes[k] & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    Place(i, hashes[k], refs[k]);
  };
  for (size_t c = 0; c < chunks_.size(); ++c) {
    for (size_t at = 0; at < chunks_[c].size(); ++queued) {
      if (queued - placed == kPrefetchAhead) place_next();
      const size_t k = queued % kPrefetchAhead;
      refs[k] = (uint64_t{c} << kChunkShift) | at;
      hashes[k] = Hash(IdIn(chunks_[c], at, &at));
      __builtin_prefetch(&slots_[hashes[k] & mask]);
    }
  }
  while (placed < queued) place_next();
}

bool DoneSet::VisitInTableOrder(const std::function<bool(std::string_view)>& visit) const {
  // The ids' bytes are fetched ahead: after a load in this order they follow
  // the arena, but ids added since are anywhere in it.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (i + kAhead < slots_.size() && slots_[i + kAhead] != 0) {
      const uint64_t ref = (slots_[i + kAhead] & kRefMask) - 1;
      __builtin_prefetch(chunks_[ref >> kChunkShift].data() + (ref & (kChunkBytes - 1)));
    }
    if (slots_[i] != 0 && !visit(IdAt((slots_[i] & kRefMask) - 1))) return false;
  }
  return true;
}

void DoneSet::clear() {
  chunks_.clear();
  chunks_.shrink_to_fit();
  slots_.clear();
  slots_.shrink_to_fit();
  size_ = 0;
  id_bytes_ = 0;
}

DoneSet& DoneSet::operator=(DoneSet&& other) noexcept {
  if (this != &other) {
    chunks_ = std::move(other.chunks_);
    slots_ = std::move(other.slots_);
    size_ = std::exchange(other.size_, 0);
    id_bytes_ = std::exchange(other.id_bytes_, 0);
    other.chunks_.clear();
    other.slots_.clear();
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
