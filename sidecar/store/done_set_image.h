// A done set as a snapshot holds it since format version 3
// (man/ckwrap-checkpoint.5, DONE SET): its memory as it is, the arena's
// chunks and then the table's buckets. Writing one copies memory instead of
// encoding every id (the encoding was most of a compaction, during which
// the job's DONE lines wait), and loading one reads and checks it instead
// of hashing and placing every id again.
//
//   u64 ids   u64 chunks c   c x u64 chunk bytes   u64 buckets b
//   the c chunks' bytes: each id a LEB128 length and its bytes, back to back
//   b x 64-byte bucket (done_bucket.h, its u32s little-endian)
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/done_set.h"
#include "store/payload_buf.h"

namespace ckwrap {

class DoneSetImage {
 public:
  // The image's size in bytes.
  static uint64_t Bytes(const DoneSet& done);
  // Calls emit with the image's bytes, in pieces of at most 256 KiB (they
  // are hashed while still in the cache); stops at, and returns, its first
  // error. done must not change meanwhile.
  static Status Emit(const DoneSet& done, const std::function<Status(std::string_view)>& emit);
  // How many ids a loaded set needs room for, given the image's ids and
  // the bytes of those ids (a journal to replay next adds some).
  using RoomFor = std::function<uint64_t(uint64_t ids, uint64_t id_bytes)>;
  // *done becomes the image read from in, checked first: every slot names a
  // distinct id of the arena and every id has a slot, the table has room
  // left (so a lookup ends), a bucket fills front to back. A table too small
  // for room_for's ids is checked, then replaced by one big enough, built
  // from the arena. Throws
  // std::runtime_error naming the fault (and PayloadReadFailed, bad_alloc);
  // *done changes only on success.
  static void Load(PayloadBuf* in, const RoomFor& room_for, DoneSet* done);

 private:
  class IdStarts;
  // Load's halves: the chunks, each id's bounds checked and its start
  // marked; then the table, each slot checked against the marks.
  static void LoadArena(PayloadBuf* in, const std::vector<uint64_t>& chunk_bytes, DoneSet* set,
                        IdStarts* starts);
  static void LoadTable(PayloadBuf* in, uint64_t buckets, uint64_t room, DoneSet* set,
                        IdStarts* starts);
};

}  // namespace ckwrap
