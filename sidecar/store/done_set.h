// The set of DONE ids, kept compact: a job may finish tens of millions of
// items, and a std::unordered_set<std::string> costs ~90 bytes and a heap
// node per id, which is also what made each DONE slow (a cache miss per node
// on insert, on snapshot encoding and on destruction).
//
// The ids' bytes live back to back in an arena of chunks that never move
// (a varint length, then the bytes), in the order they were inserted. A
// table of 64-byte buckets (one cache line each) finds them: a bucket holds
// 11 slots, each an 8-bit tag of the id's hash and the id's place in the
// arena (38 bits), so a probe reads one line and most probes that miss never
// touch the arena. About 6 to 9 bytes an id in the table (at most 7/8 full,
// grown by half), plus (id length + 1) in the arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/huge_pages.h"
#include "store/done_bucket.h"

namespace ckwrap {

class DoneSet {
 public:
  class const_iterator;
  // Large ones start on a huge page boundary, so a chunk is whole huge pages.
  using Chunk = std::basic_string<char, std::char_traits<char>, HugePageAllocator<char>>;

  DoneSet() = default;
  DoneSet(std::initializer_list<std::string_view> ids);
  DoneSet(const DoneSet&) = default;
  DoneSet& operator=(const DoneSet&) = default;
  // A moved-from set is empty (the implicit move would leave size_ behind).
  DoneSet(DoneSet&& other) noexcept { *this = std::move(other); }
  DoneSet& operator=(DoneSet&& other) noexcept;

  // Adds id; false if it was already there.
  bool insert(std::string_view id);
  // Adds ids[0, n); added[i] (if added is not null) says whether ids[i] was
  // new (for an id twice in ids, one of them). Faster than one insert at a
  // time for large n: the table slots of the next ids are fetched from
  // memory while the current one is placed, or for 64 Ki ids and more, the
  // table is filled one region at a time.
  void InsertBatch(const std::string_view* ids, size_t n, bool* added);
  bool contains(std::string_view id) const;
  // found[i] = contains(ids[i]) for i in [0, n), with InsertBatch's prefetching.
  void ContainsBatch(const std::string_view* ids, size_t n, bool* found) const;
  size_t count(std::string_view id) const { return contains(id) ? 1 : 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The ids' bytes summed (a snapshot's size without walking the ids).
  uint64_t id_bytes() const { return id_bytes_; }
  // Room for n ids without growing the table.
  void reserve(size_t n);
  void clear();
  // Adds every id of other, then empties it.
  void merge(DoneSet& other);

  // In insertion order.
  const_iterator begin() const;
  const_iterator end() const;

  // The same ids, in any order.
  bool operator==(const DoneSet& other) const;
  bool operator!=(const DoneSet& other) const { return !(*this == other); }

 private:
  friend class const_iterator;
  friend class DoneSetImage;  // a snapshot's copy of the arena and table (done_set_image.h)
  using Bucket = DoneBucket;
  static constexpr unsigned kSlotsPerBucket = Bucket::kSlots;
  using Table = std::vector<Bucket, HugePageAllocator<Bucket>>;

  void InsertSlice(const std::string_view* ids, size_t n, bool* added);
  // A large batch (a journal commit's ids, on loading): placed one region of
  // the table at a time, its new ids appended in its own order, so the table
  // and the ids are each walked front to back rather than missing the cache
  // and the TLB on every id.
  void InsertPartitioned(const std::string_view* ids, size_t n, bool* added);
  // Its pieces (done_set_batch.cc): one id of the batch; the batch in the order of
  // the table regions it hashes into; the spot of ids[index] or where it
  // belongs, while some slots hold a batch index; appending the batch's new
  // ids (those whose (*refs)[i] is not kNotNew), their places into
  // (*refs)[i], or on failure taking the batch back out.
  struct BatchEntry;
  using BatchOrder = std::vector<BatchEntry, HugePageAllocator<BatchEntry>>;
  using BatchHashes = std::vector<uint64_t, HugePageAllocator<uint64_t>>;
  static BatchOrder OrderByRegion(const std::string_view* ids, size_t n, BatchHashes* hashes);
  size_t FindInBatch(const std::string_view* ids, uint32_t index, uint64_t hash) const;
  void AppendBatch(const std::string_view* ids, size_t n, const BatchOrder& order,
                   BatchHashes* refs);
  // Adds id at the end of the arena; its place there.
  uint64_t Append(std::string_view id);
  std::string_view IdAt(uint64_t ref) const;
  size_t BucketOf(uint64_t hash) const {
    return static_cast<size_t>((static_cast<unsigned __int128>(hash) * table_.size()) >> 64);
  }
  // A spot is bucket << 4 | slot: the slot holding id, or the empty one
  // where it belongs.
  size_t Find(std::string_view id, uint64_t hash) const;
  bool Taken(size_t spot) const { return table_[spot >> 4].tags[spot & 15] != 0; }
  void Place(size_t spot, uint64_t hash, uint64_t ref);
  // Room for n ids: at least half as many buckets again, so that a run of
  // small reserves (a batch's slices) grows the table a few times, not each.
  void Grow(size_t n);
  void Rehash(size_t buckets);
  void PlaceAll();  // every id of the arena into the (empty) table
  // Place's spot for an id not in the table: the first free slot from its
  // hash's bucket on. Inline: growing the table places every id with it.
  size_t FreeSpot(uint64_t hash) const {
    size_t bucket = BucketOf(hash);
    unsigned empty = 0;
    while ((empty = table_[bucket].Matches(0)) == 0)
      bucket = bucket + 1 == table_.size() ? 0 : bucket + 1;
    return bucket << 4 | static_cast<unsigned>(__builtin_ctz(empty));
  }
  static size_t CapacityOf(size_t buckets) { return buckets * kSlotsPerBucket * 7 / 8; }
  size_t Capacity() const { return CapacityOf(table_.size()); }
  static size_t BucketsFor(size_t n);  // for n ids at most Capacity() full
  // The id stored at chunk[at]; *next is the offset after it. Inline: a
  // snapshot walks millions of ids through the iterator.
  static std::string_view IdIn(const Chunk& chunk, size_t at, size_t* next) {
    size_t length = 0;
    unsigned shift = 0;
    for (;;) {
      auto byte = static_cast<unsigned char>(chunk[at++]);
      length |= size_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) break;
      shift += 7;
    }
    *next = at + length;
    return std::string_view(chunk.data() + at, length);
  }

  // Each but the first reserved once, never reallocated (the first grows
  // from kFirstChunkBytes, so a small set stays small).
  std::vector<Chunk> chunks_;
  Table table_;
  size_t size_ = 0;  // ids in the arena (all in the table, but during a batch)
  uint64_t id_bytes_ = 0;
};

class DoneSet::const_iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = std::string_view;
  using difference_type = std::ptrdiff_t;
  using pointer = const std::string_view*;
  using reference = std::string_view;

  const_iterator() = default;
  std::string_view operator*() const {
    size_t next = 0;
    return IdIn((*chunks_)[chunk_], at_, &next);
  }
  const_iterator& operator++() {
    IdIn((*chunks_)[chunk_], at_, &at_);
    if (at_ >= (*chunks_)[chunk_].size()) SkipEmptyChunks();
    return *this;
  }
  const_iterator operator++(int) {
    const_iterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const const_iterator& o) const { return chunk_ == o.chunk_ && at_ == o.at_; }
  bool operator!=(const const_iterator& o) const { return !(*this == o); }

 private:
  friend class DoneSet;
  const_iterator(const std::vector<Chunk>* chunks, size_t chunk, size_t at);
  void SkipEmptyChunks();

  const std::vector<Chunk>* chunks_ = nullptr;
  size_t chunk_ = 0;
  size_t at_ = 0;
};

}  // namespace ckwrap
