// Snapshot files for the reader's tests, written by hand after the
// documented grammar (checkpoint_format.h, man/ckwrap-checkpoint.5), and the
// decoding both ways the store reads one. Shared by snapshot_reader_test.cc
// and done_set_image_test.cc; doctest here (the fuzz targets use
// encoding_test_util.h instead).
#pragma once

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/done_bucket.h"
#include "store/snapshot_reader.h"

namespace ckwrap::testing {

inline void AppendString(std::string* out, const std::string& s) {
  PutFixed64(out, s.size());
  *out += s;
}

// A header with a valid checksum around any payload, so the payload reaches cereal.
inline std::string Seal(const std::string& payload,
                        uint32_t version = checkpoint_format::kVersion) {
  std::string file(checkpoint_format::kMagic, sizeof checkpoint_format::kMagic);
  PutFixed32(&file, version);
  PutFixed32(&file, 0);
  PutFixed64(&file, payload.size());
  std::string covered = file + payload;
  XXH64_hash_t checksum = XXH3_64bits(covered.data(), covered.size());
  PutFixed64(&file, checksum);
  return file + payload;
}

// One table bucket (done_bucket.h) holding (tag, ref) in its first slots;
// tag 0 is a free slot.
inline std::string Bucket(const std::vector<std::pair<uint8_t, uint64_t>>& slots) {
  DoneBucket bucket{};
  for (size_t s = 0; s < slots.size(); ++s) {
    bucket.tags[s] = slots[s].first;
    bucket.SetRef(static_cast<unsigned>(s), slots[s].second);
  }
  return std::string(reinterpret_cast<const char*>(&bucket), sizeof bucket);
}

// A done set's image, version 3 (done_set_image.h), written out by hand.
inline std::string Image(uint64_t ids, const std::vector<std::string>& chunks,
                         const std::vector<std::string>& buckets) {
  std::string image;
  PutFixed64(&image, ids);
  PutFixed64(&image, chunks.size());
  for (const std::string& chunk : chunks) PutFixed64(&image, chunk.size());
  PutFixed64(&image, buckets.size());
  for (const std::string& chunk : chunks) image += chunk;
  for (const std::string& bucket : buckets) image += bucket;
  return image;
}

// The tag of id in a table: its hash's low byte, never 0.
inline uint8_t TagOf(std::string_view id) {
  const auto tag = static_cast<uint8_t>(XXH3_64bits(id.data(), id.size()));
  return tag == 0 ? 1 : tag;
}

// The done set {"a"} (done_count 1) or none, as version 3 holds it: one
// chunk with the id (its LEB128 length, its byte), one bucket whose first
// slot points at it (chunk 0, offset 0).
inline std::string ImageOfA(uint64_t done_count) {
  if (done_count != 1) return Image(done_count, {}, {});
  return Image(1,
               {std::string("\x01"
                            "a")},
               {Bucket({{TagOf("a"), 0}})});
}

// The documented grammar (checkpoint_format.h), written out by hand, around
// the done set: up to version 2 its ids one by one, since 3 its image.
inline std::string PayloadBefore() {
  std::string p;
  p += '\x01';  // little-endian mark
  p += '\x01';  // has_position
  AppendString(&p, "line 17");
  return p;
}

// Version 1 keeps a pair per FAIL record, version 2 an entry per id with its count.
inline std::string PayloadAfter(uint32_t version) {
  std::string p;
  if (version == 1) {
    PutFixed64(&p, 2);
    AppendString(&p, "c");
    AppendString(&p, "bad row");
    AppendString(&p, "c");
    AppendString(&p, "timeout");
  } else {
    PutFixed64(&p, 1);
    AppendString(&p, "c");
    AppendString(&p, "timeout");
    PutFixed64(&p, 2);  // count
  }
  PutFixed64(&p, 1);
  AppendString(&p, "k");
  AppendString(&p, "v");
  for (uint64_t n : {4, 2, 1}) PutFixed64(&p, n);  // records, attempts, restarts
  PutFixed64(&p, static_cast<uint64_t>(int64_t{-5}));
  PutFixed64(&p, 1700000000000);
  PutFixed64(&p, 0xfeed);
  p += '\x00';  // complete
  PutFixed64(&p, 3);
  PutFixed64(&p, 9);
  return p;
}

inline std::string HandWrittenPayload(uint64_t done_count,
                                      uint32_t version = checkpoint_format::kVersion) {
  std::string done;
  if (version > checkpoint_format::kVersionWithIdList) {
    done = ImageOfA(done_count);
  } else {
    PutFixed64(&done, done_count);
    if (done_count == 1) AppendString(&done, "a");
  }
  return PayloadBefore() + done + PayloadAfter(version);
}

// A sealed file of the current version around a done set's image.
inline std::string FileWithImage(const std::string& image) {
  return Seal(PayloadBefore() + image + PayloadAfter(checkpoint_format::kVersion));
}

// Decodes bytes both ways the store reads a snapshot: in memory, and from a
// file read a piece at a time. Both must give the same status and checkpoint.
// journal_bytes: the journal to replay next, which the set makes room for.
inline Status Decode(std::string_view bytes, Checkpoint* out, uint64_t journal_bytes = 0) {
  Checkpoint from_file = *out;
  const int fd = memfd_create("snapshot", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  uint64_t size = 0;
  const Status file_status = ReadCheckpointFile(fd, "snap", &from_file, journal_bytes, &size);
  close(fd);
  const Status status = DecodeCheckpoint(bytes, out, journal_bytes);
  CHECK(size == bytes.size());
  CHECK(file_status.code() == status.code());
  CHECK(file_status.message() == status.message());
  CHECK(from_file == *out);
  return status;
}

inline std::string DecodeError(std::string_view bytes) {
  Checkpoint out;
  Status status = Decode(bytes, &out);
  return status.ok() ? "" : status.message();
}

}  // namespace ckwrap::testing
