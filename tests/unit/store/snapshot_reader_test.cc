// The snapshot writer's output read back, and every way the verifying
// reader refuses bytes (man/ckwrap-checkpoint.5, VERIFICATION).
#include "store/snapshot_reader.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/encoding_test_util.h"
#include "store/snapshot_test_util.h"

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

using testing::Decode;
using testing::DecodeError;
using testing::HandWrittenPayload;
using testing::Seal;
using testing::SnapshotBytes;

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
