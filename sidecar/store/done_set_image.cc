#include "store/done_set_image.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/coding.h"
#include "store/done_set_layout.h"

namespace ckwrap {

using namespace done_set_layout;  // NOLINT: the set's own layout, as it is stored

// The buckets go out as they are in memory: their u32s are little-endian
// only on such a host (a big-endian port would swap low[] both ways).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the table image is little-endian");

namespace {

// Small enough to be hashed while still in the cache, then written.
constexpr size_t kEmitPieceBytes = size_t{256} << 10;
// What a load takes from the payload at once (its window's piece,
// payload_buf.cc), and of the table reads and checks at once.
constexpr size_t kLoadPieceBytes = size_t{2} << 20;

Status EmitInPieces(std::string_view bytes, const std::function<Status(std::string_view)>& emit) {
  for (size_t at = 0; at < bytes.size(); at += kEmitPieceBytes) {
    Status status = emit(bytes.substr(at, kEmitPieceBytes));
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

std::string_view BytesOf(const DoneSet::Chunk& chunk) { return {chunk.data(), chunk.size()}; }

class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

uint64_t ReadU64(PayloadBuf* in, const char* field) {
  if (in->remaining() < 8) throw ImageError(std::string("truncated ") + field);
  return DecodeFixed64(in->Take(8).data());
}

// A count of things at least min_bytes each, bounded by the bytes left
// before anything is allocated for them.
uint64_t ReadCount(PayloadBuf* in, const char* field, uint64_t min_bytes) {
  const uint64_t n = ReadU64(in, field);
  if (n > in->remaining() / min_bytes) {
    throw ImageError(std::string(field) + " " + std::to_string(n) + " exceed the " +
                     std::to_string(in->remaining()) + " bytes left");
  }
  return n;
}

}  // namespace

// Where the ids of the arena start, a bit per byte: each slot's ref must
// hit one and clears it, so no two slots name one id and none names a byte
// inside an id. One bitmap in huge pages: the refs come in the table's order,
// which is random in the arena (ids are kept in the order they came).
class DoneSetImage::IdStarts {
 public:
  explicit IdStarts(const std::vector<uint64_t>& chunk_bytes) {
    uint64_t bits = 0;
    for (uint64_t bytes : chunk_bytes) {
      first_bit_.push_back(bits);
      bits += bytes;
    }
    first_bit_.push_back(bits);
    bits_.resize(static_cast<size_t>((bits + 63) / 64));
  }

  // Marks every id of chunk (number c), checking each lies within it.
  void Mark(const DoneSet::Chunk& chunk, size_t c, uint64_t* ids, uint64_t* id_bytes) {
    for (size_t at = 0; at < chunk.size();) {
      const uint64_t bit = first_bit_[c] + at;
      bits_[bit / 64] |= uint64_t{1} << (bit % 64);
      const uint64_t length = ReadLength(chunk, c, &at);
      if (length > chunk.size() - at) {
        throw ImageError("done chunk " + std::to_string(c) + ": an id runs past its end");
      }
      at += length;
      ++*ids;
      *id_bytes += length;
    }
  }

  // Takes every ref of refs, fetching the bits of those kPrefetchAhead on.
  void TakeAll(const std::vector<uint64_t>& refs) {
    for (size_t i = 0; i < refs.size(); ++i) {
      if (i + kPrefetchAhead < refs.size()) {
        const uint64_t bit = BitOf(refs[i + kPrefetchAhead]);
        if (bit != kNoBit) __builtin_prefetch(&bits_[bit / 64], 1);
      }
      Take(refs[i]);
    }
  }

 private:
  static constexpr uint64_t kNoBit = UINT64_MAX;

  // The bit of ref's byte, or kNoBit past its chunk.
  uint64_t BitOf(uint64_t ref) const {
    const size_t c = ref >> kChunkShift;
    const uint64_t at = ref & (kChunkBytes - 1);
    if (c + 1 >= first_bit_.size() || at >= first_bit_[c + 1] - first_bit_[c]) return kNoBit;
    return first_bit_[c] + at;
  }

  void Take(uint64_t ref) {
    const uint64_t bit = BitOf(ref);
    if (bit == kNoBit || (bits_[bit / 64] >> (bit % 64) & 1) == 0) {
      throw ImageError("a done slot names no id of the arena (chunk " +
                       std::to_string(ref >> kChunkShift) + ", offset " +
                       std::to_string(ref & (kChunkBytes - 1)) + ")");
    }
    bits_[bit / 64] &= ~(uint64_t{1} << (bit % 64));
  }

  static uint64_t ReadLength(const DoneSet::Chunk& chunk, size_t c, size_t* at) {
    uint64_t length = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (*at == chunk.size() || shift > 56) {
        throw ImageError("done chunk " + std::to_string(c) + ": a bad id length");
      }
      const auto byte = static_cast<unsigned char>(chunk[(*at)++]);
      length |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return length;
    }
  }

  std::vector<uint64_t> first_bit_;  // chunk c's bits: [first_bit_[c], first_bit_[c + 1])
  std::vector<uint64_t, HugePageAllocator<uint64_t>> bits_;
};

namespace {

// The refs of buckets[0, n) appended to *refs, checked that each bucket
// fills front to back (a lookup stops at its first free slot).
void CollectRefs(const DoneBucket* buckets, size_t n, std::vector<uint64_t>* refs) {
  for (size_t b = 0; b < n; ++b) {
    const DoneBucket& bucket = buckets[b];
    const unsigned taken = ~bucket.Matches(0) & ((1u << DoneBucket::kSlots) - 1);
    if ((taken & (taken + 1)) != 0) {
      throw ImageError("a done bucket has a slot taken after a free one");
    }
    for (unsigned slot = 0; (taken >> slot & 1) != 0; ++slot) refs->push_back(bucket.Ref(slot));
  }
}

}  // namespace

uint64_t DoneSetImage::Bytes(const DoneSet& done) {
  uint64_t bytes = 3 * 8 + 8 * done.chunks_.size() + sizeof(DoneBucket) * done.table_.size();
  for (const DoneSet::Chunk& chunk : done.chunks_) bytes += chunk.size();
  return bytes;
}

Status DoneSetImage::Emit(const DoneSet& done,
                          const std::function<Status(std::string_view)>& emit) {
  std::string head;
  PutFixed64(&head, done.size_);
  PutFixed64(&head, done.chunks_.size());
  for (const DoneSet::Chunk& chunk : done.chunks_) PutFixed64(&head, chunk.size());
  PutFixed64(&head, done.table_.size());
  Status status = emit(head);
  for (size_t c = 0; status.ok() && c < done.chunks_.size(); ++c) {
    status = EmitInPieces(BytesOf(done.chunks_[c]), emit);
  }
  if (!status.ok()) return status;
  const auto* table = reinterpret_cast<const char*>(done.table_.data());
  return EmitInPieces(std::string_view(table, sizeof(DoneBucket) * done.table_.size()), emit);
}

void DoneSetImage::Load(PayloadBuf* in, const RoomFor& room_for, DoneSet* out) {
  const uint64_t ids = ReadU64(in, "done ids");
  const uint64_t chunks = ReadCount(in, "done chunks", 8);
  if (chunks > kMaxChunks) throw ImageError("done chunks " + std::to_string(chunks) + ": too many");
  std::vector<uint64_t> chunk_bytes(chunks);
  uint64_t arena_bytes = 0;
  for (uint64_t& bytes : chunk_bytes) {
    bytes = ReadCount(in, "done chunk bytes", 1);
    arena_bytes += bytes;
  }
  const uint64_t buckets = ReadCount(in, "done buckets", sizeof(DoneBucket));
  if (arena_bytes > in->remaining() - buckets * sizeof(DoneBucket)) {
    throw ImageError("done chunks of " + std::to_string(arena_bytes) + " bytes exceed the " +
                     std::to_string(in->remaining()) + " bytes left");
  }
  DoneSet set;
  IdStarts starts(chunk_bytes);
  LoadArena(in, chunk_bytes, &set, &starts);
  if (set.size_ != ids) {
    throw ImageError("the done arena holds " + std::to_string(set.size_) + " ids, not " +
                     std::to_string(ids));
  }
  if (ids > DoneSet::CapacityOf(buckets)) {
    throw ImageError(std::to_string(ids) + " done ids overfill " + std::to_string(buckets) +
                     " buckets (a lookup must find a free slot)");
  }
  LoadTable(in, buckets, std::max<uint64_t>(ids, room_for(ids, set.id_bytes_)), &set, &starts);
  *out = std::move(set);
}

void DoneSetImage::LoadArena(PayloadBuf* in, const std::vector<uint64_t>& chunk_bytes, DoneSet* set,
                             IdStarts* starts) {
  set->chunks_.reserve(chunk_bytes.size());
  uint64_t ids = 0;
  for (size_t c = 0; c < chunk_bytes.size(); ++c) {
    DoneSet::Chunk& chunk = set->chunks_.emplace_back();
    // The last one is appended to, as DoneSet::Append reserves it.
    const bool last = c + 1 == chunk_bytes.size();
    const size_t room = c == 0 ? kFirstChunkBytes : kChunkBytes;
    chunk.reserve(last ? std::max<size_t>(chunk_bytes[c], room) : chunk_bytes[c]);
    // Appended from the payload's window, not read into place: the page
    // faults of fresh memory cost more inside a read(2) (measured, 10 M ids).
    for (uint64_t left = chunk_bytes[c]; left > 0;) {
      const size_t piece = static_cast<size_t>(std::min<uint64_t>(left, kLoadPieceBytes));
      chunk.append(in->Take(piece));
      left -= piece;
    }
    starts->Mark(chunk, c, &ids, &set->id_bytes_);
  }
  set->size_ = ids;
}

void DoneSetImage::LoadTable(PayloadBuf* in, uint64_t buckets, uint64_t room, DoneSet* set,
                             IdStarts* starts) {
  // Room enough: the table as it is, read in place. Too little: one big
  // enough, filled from the arena (DoneSet::PlaceAll: the arena read in
  // order; placing the image's slots in theirs read the arena at random, 50-
  // 120 ms slower at 7.6 M ids), the image's table still checked.
  const bool in_place = DoneSet::CapacityOf(buckets) >= room;
  set->table_ = DoneSet::Table(in_place ? buckets : DoneSet::BucketsFor(room));
  constexpr size_t kPieceBuckets = kLoadPieceBytes / sizeof(DoneBucket);
  std::vector<DoneBucket> scratch(in_place ? 0 : std::min<uint64_t>(buckets, kPieceBuckets));
  std::vector<uint64_t> refs;
  uint64_t taken = 0;
  for (uint64_t at = 0; at < buckets; at += kPieceBuckets) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buckets - at, kPieceBuckets));
    DoneBucket* piece = in_place ? &set->table_[at] : scratch.data();
    in->TakeInto(reinterpret_cast<char*>(piece), sizeof(DoneBucket) * n);
    refs.clear();
    CollectRefs(piece, n, &refs);
    starts->TakeAll(refs);
    taken += refs.size();
  }
  if (taken != set->size_) {
    throw ImageError("the done table has " + std::to_string(taken) + " slots taken for " +
                     std::to_string(set->size_) + " ids");
  }
  if (!in_place) set->PlaceAll();  // only for an image that holds together
}

}  // namespace ckwrap
