// A done set as format 3 holds it (store/done_set_image.h,
// man/ckwrap-checkpoint.5, DONE SET): written and read back the same, in
// place or rebuilt for a journal's room, and every fault an image can have
// behind a valid checksum refused with its name.
#include "store/done_set_image.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "store/encoding_test_util.h"
#include "store/snapshot_test_util.h"

namespace ckwrap {
namespace {

using testing::Bucket;
using testing::Decode;
using testing::DecodeError;
using testing::FileWithImage;
using testing::Image;
using testing::SnapshotBytes;
using testing::TagOf;

TEST_SUITE_BEGIN("store/done_set_image");

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
// arena, and the image's is checked the same).

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

TEST_CASE("A set loaded with room for a journal's ids is rebuilt from its arena, ids intact") {
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

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
