// The snapshot writer's output read back, and every way the verifying
// reader refuses bytes (man/ckwrap-checkpoint.5, VERIFICATION).
#include "store/snapshot_reader.h"

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/done_bucket.h"
#include "store/encoding_test_util.h"

namespace ckwrap {
namespace {

Checkpoint FullCheckpoint() {
  Checkpoint c;
  c.has_position = true;
  c.position = std::string("pos\0\xff\x80\n", 7);
  for (int i = 0; i < 10000; ++i) c.done.insert("id-" + std::to_string(i));
  c.done.insert("");
  c.done.insert(std::string("\0\xfe\xff", 3));
  c.failures = {{"f1", "exit 3"}, {"", ""}, {std::string("\x01\0", 2), "bad\xff"}};
  c.state = {{"", ""}, {"cursor", "42"}, {std::string("k\0", 2), std::string("v\0\xff", 3)}};
  c.records = UINT64_MAX;
  c.attempts = 7;
  c.restarts = 6;
  c.created_unix_ms = INT64_MIN;
  c.updated_unix_ms = -1;
  c.command_fingerprint = 0x0123456789abcdefULL;
  c.complete = true;
  c.progress_done = 10;
  c.progress_total = 20;
  return c;
}

Checkpoint SmallCheckpoint() {
  Checkpoint c;
  c.has_position = true;
  c.position = "line 17";
  c.done = {"a", "b"};
  c.failures = {{"c", "timeout"}};
  c.state = {{"k", "v"}};
  c.records = 4;
  c.attempts = 2;
  return c;
}

using testing::SnapshotBytes;

void AppendString(std::string* out, const std::string& s) {
  PutFixed64(out, s.size());
  *out += s;
}

// A header with a valid checksum around any payload, so the payload reaches cereal.
std::string Seal(const std::string& payload, uint32_t version = checkpoint_format::kVersion) {
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
std::string Bucket(const std::vector<std::pair<uint8_t, uint64_t>>& slots) {
  DoneBucket bucket{};
  for (size_t s = 0; s < slots.size(); ++s) {
    bucket.tags[s] = slots[s].first;
    bucket.SetRef(static_cast<unsigned>(s), slots[s].second);
  }
  return std::string(reinterpret_cast<const char*>(&bucket), sizeof bucket);
}

// A done set's image, version 3 (done_set_image.h), written out by hand.
std::string Image(uint64_t ids, const std::vector<std::string>& chunks,
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
uint8_t TagOf(std::string_view id) {
  const auto tag = static_cast<uint8_t>(XXH3_64bits(id.data(), id.size()));
  return tag == 0 ? 1 : tag;
}

// The done set {"a"} (done_count 1) or none, as version 3 holds it: one
// chunk with the id (its LEB128 length, its byte), one bucket whose first
// slot points at it (chunk 0, offset 0).
std::string ImageOfA(uint64_t done_count) {
  if (done_count != 1) return Image(done_count, {}, {});
  return Image(1,
               {std::string("\x01"
                            "a")},
               {Bucket({{TagOf("a"), 0}})});
}

// The documented grammar (checkpoint_format.h), written out by hand, around
// the done set: up to version 2 its ids one by one, since 3 its image.
std::string PayloadBefore() {
  std::string p;
  p += '\x01';  // little-endian mark
  p += '\x01';  // has_position
  AppendString(&p, "line 17");
  return p;
}

// Version 1 keeps a pair per FAIL record, version 2 an entry per id with its count.
std::string PayloadAfter(uint32_t version) {
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

std::string HandWrittenPayload(uint64_t done_count,
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
std::string FileWithImage(const std::string& image) {
  return Seal(PayloadBefore() + image + PayloadAfter(checkpoint_format::kVersion));
}

// Decodes bytes both ways the store reads a snapshot: in memory, and from a
// file read a piece at a time. Both must give the same status and checkpoint.
// journal_bytes: the journal to replay next, which the set makes room for.
Status Decode(std::string_view bytes, Checkpoint* out, uint64_t journal_bytes = 0) {
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

std::string DecodeError(std::string_view bytes) {
  Checkpoint out;
  Status status = Decode(bytes, &out);
  return status.ok() ? "" : status.message();
}

TEST_SUITE_BEGIN("store/snapshot_reader");

TEST_CASE("Bytes that do not verify are a corruption, whatever the check that refused them") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  std::string flipped = bytes;
  flipped[40] = static_cast<char>(flipped[40] ^ 1);
  std::string bad_flag = HandWrittenPayload(1);
  bad_flag[1] = 2;
  for (const std::string& damaged : {bytes.substr(0, 12), flipped, Seal(bad_flag)}) {
    Checkpoint out;
    Status status = Decode(damaged, &out);
    CHECK(status.IsCorruption());
  }
}

TEST_CASE("Checkpoint with every field populated round-trips") {
  Checkpoint in = FullCheckpoint();
  Checkpoint out;
  REQUIRE(Decode(SnapshotBytes(in), &out).ok());
  CHECK(out == in);
  CHECK(out.done.size() == 10002);
}

TEST_CASE("Ids of every length up to 40 bytes come back byte for byte") {
  // The encoder writes the ids' bytes itself, bypassing the archive: every
  // short length, the empty id included, must come back unchanged.
  Checkpoint in;
  for (size_t length = 0; length <= 40; ++length) {
    std::string id;
    for (size_t i = 0; i < length; ++i)
      id.push_back(static_cast<char>('a' + (i * 7 + length) % 26));
    in.done.insert(id);
  }
  Checkpoint out;
  REQUIRE(Decode(SnapshotBytes(in), &out).ok());
  CHECK(out.done.size() == 41);
  CHECK(out == in);
}

TEST_CASE("A file read in pieces decodes ids, a 3 MiB id and the fields after them across pieces") {
  // Pieces are 2 MiB: 200,000 ids are 4 MB, so ids and the failures' strings
  // after them straddle piece boundaries, and the long id outgrows a piece.
  Checkpoint in = FullCheckpoint();
  for (int i = 0; i < 200000; ++i) in.done.insert("item-" + std::to_string(i));
  in.done.insert(std::string(3 << 20, 'x'));
  for (int i = 0; i < 1000; ++i) in.failures.Set("f" + std::to_string(i), "reason", 1);
  in.state["big"] = std::string(5 << 20, 'y');
  Checkpoint out;
  REQUIRE(Decode(SnapshotBytes(in), &out).ok());  // the same from the file (Decode)
  CHECK(out == in);
}

TEST_CASE("Failures read from a file keep their own reasons wherever the pieces break") {
  // Distinct reasons, and positions of other lengths shifting where the 2 MiB
  // piece boundaries fall: a view of a reason must not outlive a refill.
  for (size_t pad : {0, 1, 3, 5, 8, 13, 21}) {
    Checkpoint in;
    in.has_position = true;
    in.position = std::string(pad, 'p');
    for (int i = 0; i < 150000; ++i) {
      in.failures.Set("f" + std::to_string(i), "reason-" + std::to_string(i * 7919), 1 + i % 3);
    }
    Checkpoint out;
    REQUIRE(Decode(SnapshotBytes(in), &out).ok());  // the same from the file (Decode)
    CHECK(out == in);
  }
}

TEST_CASE(
    "A file's payload flipped at its end is a checksum mismatch, and a missing byte a length") {
  Checkpoint in = FullCheckpoint();
  for (int i = 0; i < 200000; ++i) in.done.insert("item-" + std::to_string(i));
  std::string bytes = SnapshotBytes(in);
  std::string flipped = bytes;
  flipped[bytes.size() - 3] ^= 1;
  CHECK(DecodeError(flipped) == "checksum mismatch");
  CHECK(DecodeError(bytes.substr(0, bytes.size() - 1)).find("does not match file") !=
        std::string::npos);
}

TEST_CASE("A loaded set keeps the order its ids came in and the table it was written with") {
  // 600 k ids: an arena of two chunks, and a table of over 2 MiB, which a
  // file's read takes past its window.
  Checkpoint in;
  for (int i = 0; i < 600000; ++i) in.done.insert("id-" + std::to_string(i));
  Checkpoint out;
  REQUIRE(Decode(SnapshotBytes(in), &out).ok());
  CHECK(std::vector<std::string_view>(out.done.begin(), out.done.end()) ==
        std::vector<std::string_view>(in.done.begin(), in.done.end()));
  // The same arena and table: written again, the same bytes.
  CHECK(SnapshotBytes(out) == SnapshotBytes(in));
  CHECK(out == in);
  // And it takes ids as the one written does, into its last chunk and table.
  for (int i = 599000; i < 640000; ++i) {
    const std::string id = "id-" + std::to_string(i);
    CHECK(out.done.insert(id) == in.done.insert(id));
  }
  CHECK(out.done.size() == 640000);
  CHECK(SnapshotBytes(out) == SnapshotBytes(in));
}

TEST_CASE("Empty checkpoint round-trips") {
  Checkpoint out = FullCheckpoint();
  REQUIRE(Decode(SnapshotBytes(Checkpoint()), &out).ok());
  CHECK(out == Checkpoint());
}

// What HandWrittenPayload(1) holds.
Checkpoint HandWrittenCheckpoint() {
  Checkpoint expected = SmallCheckpoint();
  expected.done = {"a"};
  expected.restarts = 1;
  expected.created_unix_ms = -5;
  expected.updated_unix_ms = 1700000000000;
  expected.command_fingerprint = 0xfeed;
  expected.progress_done = 3;
  expected.progress_total = 9;
  expected.failures = {{"c", "timeout", 2}};
  return expected;
}

TEST_CASE("Hand-written payload following the documented grammar decodes, version 2's too") {
  for (uint32_t version : {checkpoint_format::kVersion, checkpoint_format::kVersionWithIdList}) {
    CAPTURE(version);
    Checkpoint out;
    Status status = Decode(Seal(HandWrittenPayload(1, version), version), &out);
    REQUIRE_MESSAGE(status.ok(), status.message());
    CHECK(out == HandWrittenCheckpoint());
  }
}

TEST_CASE("A file written now is the documented grammar, byte for byte") {
  CHECK(SnapshotBytes(HandWrittenCheckpoint()) == Seal(HandWrittenPayload(1)));
}

TEST_CASE("A version-1 file's FAIL pairs fold into one entry per id, with the last reason") {
  Checkpoint out;
  Status status = Decode(Seal(HandWrittenPayload(1, 1), 1), &out);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(out.failures == FailureList{{"c", "timeout", 2}});
}

TEST_CASE("A failure count of 0 is refused") {
  std::string payload = HandWrittenPayload(1);
  const std::string count("\x02\0\0\0\0\0\0\0", 8);
  const size_t at = payload.find(count, payload.find("timeout"));
  REQUIRE(at != std::string::npos);
  payload[at] = 0;
  CHECK(DecodeError(Seal(payload)) == "malformed payload: failure count 0");
}

TEST_CASE("Encoding writes the documented header") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  REQUIRE(bytes.size() > checkpoint_format::kHeaderBytes);
  CHECK(bytes.compare(0, 8, "CKWRAPCP") == 0);
  CHECK(bytes.compare(8, 8, std::string("\x03\0\0\0\0\0\0\0", 8)) == 0);
  std::string length;
  PutFixed64(&length, bytes.size() - checkpoint_format::kHeaderBytes);
  CHECK(bytes.compare(16, 8, length) == 0);
  CHECK(bytes == Seal(bytes.substr(32)));  // checksum over [0, 24) then the payload
}

TEST_CASE("Checkpoint truncated at every length is rejected and the output untouched") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  Checkpoint sentinel;
  sentinel.records = 99;
  for (size_t length = 0; length < bytes.size(); ++length) {
    CAPTURE(length);
    Checkpoint out = sentinel;
    CHECK_FALSE(Decode(std::string_view(bytes).substr(0, length), &out).ok());
    CHECK(out == sentinel);
  }
}

TEST_CASE("Truncated header and short payload give their reasons") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  CHECK(DecodeError(bytes.substr(0, 12)) == "truncated header (12 of 32 bytes)");
  CHECK(DecodeError(bytes.substr(0, 40)) ==
        "payload length " + std::to_string(bytes.size() - 32) + " does not match file (40 bytes)");
}

TEST_CASE("Every byte flipped is rejected") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  for (size_t i = 0; i < bytes.size(); ++i) {
    CAPTURE(i);
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0xFF);
    CHECK(DecodeError(damaged) != "");
  }
}

TEST_CASE("Every single bit flipped is rejected") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    CAPTURE(bit);
    std::string damaged = bytes;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    CHECK(DecodeError(damaged) != "");
  }
}

TEST_CASE("Payload corruption is a checksum mismatch") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  bytes[40] = static_cast<char>(bytes[40] ^ 1);
  CHECK(DecodeError(bytes) == "checksum mismatch");
}

TEST_CASE("Bad magic is rejected") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  bytes[0] = 'X';
  CHECK(DecodeError(bytes) == "bad magic");
}

TEST_CASE("Newer format version is rejected with both versions named") {
  CHECK(DecodeError(Seal(HandWrittenPayload(1), 7)) ==
        "checkpoint format version 7 is newer than this ckwrap supports (3)");
}

TEST_CASE("Non-zero reserved field is rejected") {
  std::string bytes = SnapshotBytes(SmallCheckpoint());
  bytes[12] = 1;
  CHECK(DecodeError(bytes) == "reserved field is not zero");
}

TEST_CASE("Huge count behind a valid checksum is rejected quickly without allocating") {
  auto start = std::chrono::steady_clock::now();
  std::string error = DecodeError(Seal(HandWrittenPayload(uint64_t{1} << 27, 2), 2));
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(error.find("done size 134217728 exceeds the") != std::string::npos);
  // Allocating what the count claims takes seconds (1 GiB zeroed for an 11-byte input); the check
  // takes microseconds.
  CHECK(elapsed < std::chrono::seconds(1));
}

TEST_CASE("Huge counts in a done set's image are rejected quickly without allocating") {
  const auto start = std::chrono::steady_clock::now();
  std::string chunks;
  PutFixed64(&chunks, 1);
  PutFixed64(&chunks, uint64_t{1} << 40);  // chunks
  CHECK(DecodeError(FileWithImage(chunks)).find("done chunks 1099511627776 exceed the") !=
        std::string::npos);
  std::string one_chunk_huge;
  for (uint64_t n : {uint64_t{1}, uint64_t{1}, uint64_t{1} << 40}) PutFixed64(&one_chunk_huge, n);
  CHECK(DecodeError(FileWithImage(one_chunk_huge)).find("done chunk bytes 1099511627776 exceed") !=
        std::string::npos);
  std::string buckets;
  for (uint64_t n : {uint64_t{0}, uint64_t{0}, uint64_t{1} << 40}) PutFixed64(&buckets, n);
  CHECK(DecodeError(FileWithImage(buckets)).find("done buckets 1099511627776 exceed") !=
        std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

// Each fault an image can have behind a valid checksum, and its message;
// with a journal to make room for too (the table is then rebuilt from the
// image's slots, which are checked the same).
TEST_CASE("A done set's image that does not hold together is refused, naming the fault") {
  const std::string a(
      "\x01"
      "a");
  const uint8_t tag = TagOf("a");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Image(1, {a}, {Bucket({{tag, 1}})}),
       "a done slot names no id of the arena (chunk 0, offset 1)"},
      {Image(1, {a}, {Bucket({{tag, 1ull << 22}})}),
       "a done slot names no id of the arena (chunk 1, offset 0)"},
      {Image(1, {a}, {Bucket({{tag, 0}, {tag, 0}})}),
       "a done slot names no id of the arena (chunk 0, offset 0)"},
      {Image(1, {a}, {Bucket({{0, 0}, {tag, 0}})}),
       "a done bucket has a slot taken after a free one"},
      {Image(1, {a}, {Bucket({})}), "the done table has 0 slots taken for 1 ids"},
      {Image(2, {a}, {Bucket({{tag, 0}})}), "the done arena holds 1 ids, not 2"},
      {Image(1,
             {std::string("\x05"
                          "a")},
             {Bucket({{tag, 0}})}),
       "done chunk 0: an id runs past its end"},
      {Image(1, {std::string("\x80")}, {Bucket({{tag, 0}})}), "done chunk 0: a bad id length"},
      {Image(1, {a}, {}), "1 done ids overfill 0 buckets (a lookup must find a free slot)"},
      {Image(1, {a}, {Bucket({{tag, 1ull << 37}})}),
       "a done slot names no id of the arena (chunk 32768, offset 0)"},
      {Image(0, std::vector<std::string>(32768), {}), "done chunks 32768: too many"},
      // "b" starts past 4 MiB, where no ref reaches.
      {Image(3,
             {a + "\x80\x80\x80\x02" + std::string(4 << 20, 'x') +
              "\x01"
              "b"},
             {Bucket({{tag, 0}, {TagOf(std::string(4 << 20, 'x')), 2}})}),
       "the done table has 2 slots taken for 3 ids"},
      {Image(10, {std::string(20, '\x01')}, {Bucket({})}),
       "10 done ids overfill 1 buckets (a lookup must find a free slot)"},
  };
  for (uint64_t journal_bytes : {uint64_t{0}, uint64_t{1} << 20}) {
    for (const auto& [image, fault] : cases) {
      CAPTURE(journal_bytes);
      CAPTURE(fault);
      Checkpoint out;
      const Status status = DecodeCheckpoint(FileWithImage(image), &out, journal_bytes);
      CHECK(status.IsCorruption());
      CHECK(status.message() == "malformed payload: " + fault);
      CHECK(out == Checkpoint());
    }
  }
  // The same image made right loads, and so does one with empty chunks
  // around its id; both then take more ids.
  for (const std::string& image : {Image(1, {a}, {Bucket({{tag, 0}})}),
                                   Image(1, {"", a, ""}, {Bucket({{tag, 1ull << 22}})})}) {
    Checkpoint out;
    REQUIRE(Decode(FileWithImage(image), &out).ok());
    CHECK(out.done == DoneSet{"a"});
    for (int i = 0; i < 1000; ++i) out.done.insert(std::to_string(i));
    CHECK(out.done.size() == 1001);
    CHECK(out.done.contains("a"));
    CHECK(out.done.contains("999"));
  }
}

TEST_CASE("A set loaded with room for a journal's ids is rebuilt from its slots, ids intact") {
  // 400 k ids: their table is read in two pieces, from memory and from a file.
  Checkpoint in;
  for (int i = 0; i < 400000; ++i) in.done.insert("id-" + std::to_string(i));
  const std::string bytes = SnapshotBytes(in);
  Checkpoint out;
  // 4 MB of DONES records of ~9-byte ids: room for ~300 k more ids.
  REQUIRE(Decode(bytes, &out, 4 << 20).ok());
  CHECK(out == in);
  CHECK(std::vector<std::string_view>(out.done.begin(), out.done.end()) ==
        std::vector<std::string_view>(in.done.begin(), in.done.end()));
  // A bigger table (one taken as it is would write the same bytes).
  CHECK(SnapshotBytes(out).size() > bytes.size());
  for (int i = 0; i < 300000; ++i) out.done.insert("new-" + std::to_string(i));
  CHECK(out.done.size() == 700000);
  for (int i = 0; i < 400000; i += 997) CHECK(out.done.contains("id-" + std::to_string(i)));
}
TEST_CASE("Huge string length behind a valid checksum is rejected") {
  std::string payload = "\x01\x01";
  PutFixed64(&payload, UINT64_MAX);
  CHECK(DecodeError(Seal(payload)).find("position size 18446744073709551615") != std::string::npos);
}

TEST_CASE("Payload cut short behind a valid checksum is rejected") {
  std::string payload = HandWrittenPayload(1);
  for (size_t length = 0; length < payload.size(); ++length) {
    CAPTURE(length);
    CHECK(DecodeError(Seal(payload.substr(0, length))) != "");
  }
}

TEST_CASE("Trailing bytes after the payload are rejected") {
  CHECK(DecodeError(Seal(HandWrittenPayload(1) + "zz")) == "2 trailing bytes after payload");
}

TEST_CASE("Flag byte other than 0 or 1 is rejected") {
  std::string payload = HandWrittenPayload(1);
  payload[1] = 2;
  CHECK(DecodeError(Seal(payload)) == "malformed payload: has_position flag is not 0 or 1");
}

TEST_CASE("Payload not marked little-endian is rejected") {
  std::string payload = HandWrittenPayload(1);
  payload[0] = 0;
  CHECK(DecodeError(Seal(payload)) == "payload is not little-endian");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
