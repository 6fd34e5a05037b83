#include "store/coding.h"

#include <doctest/doctest.h>

#include <string>

namespace ckwrap {
namespace {

TEST_CASE("Fixed fields are little-endian whatever the host") {
  std::string bytes;
  PutFixed32(&bytes, 0x01020304);
  PutFixed64(&bytes, 0x1112131415161718ULL);
  CHECK(bytes == "\x04\x03\x02\x01\x18\x17\x16\x15\x14\x13\x12\x11");
  CHECK(DecodeFixed32(bytes.data()) == 0x01020304);
  CHECK(DecodeFixed64(bytes.data() + 4) == 0x1112131415161718ULL);
}

TEST_CASE("Fixed fields round-trip their extremes, high bytes included") {
  for (uint64_t value : {uint64_t{0}, uint64_t{0x80}, UINT64_MAX, uint64_t{1} << 63}) {
    char buf[8];
    EncodeFixed64(buf, value);
    CHECK(DecodeFixed64(buf) == value);
    EncodeFixed32(buf, static_cast<uint32_t>(value));
    CHECK(DecodeFixed32(buf) == static_cast<uint32_t>(value));
  }
}

}  // namespace
}  // namespace ckwrap
