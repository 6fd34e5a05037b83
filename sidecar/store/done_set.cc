#include "store/done_set.h"

#include <xxhash.h>

#include <algorithm>
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
constexpr size_t kMaxChunks = (size_t{1} << (kTagShift - kChunkShift)) - 1;  // 1 TiB of ids
constexpr size_t kMinSlots = 16;
// How many ids ahead a batch computes hashes and prefetches slots: enough to
// cover a memory latency with the work of placing the ids in between.
constexpr size_t kPrefetchAhead = 16;

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
    if (chunks_.size() >= kMaxChunks) throw std::length_error("done set: over 1 TiB of ids");
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
