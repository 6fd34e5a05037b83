#include "intake/protocol.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace ckwrap {
namespace {

using namespace std::string_view_literals;

Record MustParse(std::string_view line) {
  Record record{};
  std::string error;
  INFO("line: ", std::string(line));
  CHECK_MESSAGE(ParseRecord(line, &record, &error), error);
  return record;
}

std::string MustReject(std::string_view line) {
  Record record{};
  std::string error;
  INFO("line: ", std::string(line));
  CHECK_FALSE(ParseRecord(line, &record, &error));
  CHECK_FALSE(error.empty());
  return error;
}

// What a LineSplitter reported, in order: a line, or an overlong line (text "!").
TEST_SUITE_BEGIN("intake/protocol");

TEST_CASE("Every verb parses") {
  SUBCASE("CKPT keeps the rest of the line verbatim, spaces included") {
    const Record r = MustParse("CKPT 2024-01-01 12:00  row 7 ");
    CHECK(r.verb == Verb::kCkpt);
    CHECK(r.arg == "2024-01-01 12:00  row 7 ");
  }
  SUBCASE("DONE keeps the rest of the line as the id") {
    const Record r = MustParse("DONE dir/file name.csv");
    CHECK(r.verb == Verb::kDone);
    CHECK(r.arg == "dir/file name.csv");
  }
  SUBCASE("FAIL with a reason") {
    const Record r = MustParse("FAIL item-7 disk full: ENOSPC");
    CHECK(r.verb == Verb::kFail);
    CHECK(r.arg == "item-7");
    CHECK(r.detail == "disk full: ENOSPC");
  }
  SUBCASE("FAIL without a reason") {
    const Record r = MustParse("FAIL item-7");
    CHECK(r.arg == "item-7");
    CHECK(r.detail.empty());
  }
  SUBCASE("STATE with a value containing spaces") {
    const Record r = MustParse("STATE cursor page 3 of 9");
    CHECK(r.verb == Verb::kState);
    CHECK(r.arg == "cursor");
    CHECK(r.detail == "page 3 of 9");
  }
  SUBCASE("STATE without a value sets the empty value") {
    for (std::string_view line : {"STATE k"sv, "STATE k "sv}) {
      const Record r = MustParse(line);
      CHECK(r.arg == "k");
      CHECK(r.detail.empty());
    }
  }
  SUBCASE("PROGRESS with a count only") {
    const Record r = MustParse("PROGRESS 42");
    CHECK(r.verb == Verb::kProgress);
    CHECK(r.count == 42);
    CHECK(r.total == 0);
  }
  SUBCASE("PROGRESS with a total, up to the largest 64-bit value") {
    const Record r = MustParse("PROGRESS 0007 18446744073709551615");
    CHECK(r.count == 7);
    CHECK(r.total == std::numeric_limits<uint64_t>::max());
  }
  SUBCASE("COMPLETE") { CHECK(MustParse("COMPLETE").verb == Verb::kComplete); }
  SUBCASE("SLOT, the C shim's note that it writes the checkpoint slot") {
    CHECK(MustParse("SLOT").verb == Verb::kSlot);
  }
  SUBCASE("SIZE: the bytes, then the path as the rest of the line") {
    const Record r = MustParse("SIZE 0018446744073709551615 /data/out 1.csv ");
    CHECK(r.verb == Verb::kSize);
    CHECK(r.count == std::numeric_limits<uint64_t>::max());
    CHECK(r.arg == "/data/out 1.csv ");
    CHECK(MustParse("SIZE 0 rel/out.csv").count == 0);
  }
}

TEST_CASE("Record fields are views into the line") {
  const std::string line = "FAIL id reason";
  Record r{};
  std::string error;
  REQUIRE(ParseRecord(line, &r, &error));
  CHECK(r.arg.data() == line.data() + 5);
  CHECK(r.detail.data() == line.data() + 8);
}

TEST_CASE("A malformed line is rejected with a reason") {
  struct Case {
    std::string_view line;
    std::string_view error;
  };
  const Case cases[] = {
      {"", "empty line"},
      {" CKPT 1", "line starts with a space, not a verb"},
      {"CKPT", "CKPT needs a position"},
      {"CKPT ", "CKPT needs a position"},
      {"DONE", "DONE needs an id"},
      {"DONE ", "DONE needs an id"},
      {"FAIL", "FAIL needs an id"},
      {"FAIL ", "FAIL needs an id"},
      {"FAIL  reason", "FAIL needs an id"},
      {"STATE", "STATE needs a key"},
      {"STATE ", "STATE needs a key"},
      {"STATE  value", "STATE needs a key"},
      {"PROGRESS", "PROGRESS needs a count"},
      {"PROGRESS ", "PROGRESS needs a count"},
      {"PROGRESS -1", "PROGRESS count is not an unsigned decimal integer: \"-1\""},
      {"PROGRESS +1", "PROGRESS count is not an unsigned decimal integer: \"+1\""},
      {"PROGRESS 1x", "PROGRESS count is not an unsigned decimal integer: \"1x\""},
      {"PROGRESS 0x10", "PROGRESS count is not an unsigned decimal integer: \"0x10\""},
      {"PROGRESS 1.5", "PROGRESS count is not an unsigned decimal integer: \"1.5\""},
      {"PROGRESS  1", "PROGRESS count is not an unsigned decimal integer: \"\""},
      {"PROGRESS 18446744073709551616", "PROGRESS count out of range: \"18446744073709551616\""},
      {"PROGRESS 1 99999999999999999999", "PROGRESS total out of range: \"99999999999999999999\""},
      {"PROGRESS 1 -2", "PROGRESS total is not an unsigned decimal integer: \"-2\""},
      {"PROGRESS 1 ", "PROGRESS total is not an unsigned decimal integer: \"\""},
      {"PROGRESS 1 2 3", "PROGRESS takes at most two numbers"},
      {"PROGRESS 1  2", "PROGRESS takes at most two numbers"},
      {"PROGRESS 1 2 ", "PROGRESS takes at most two numbers"},
      {"SIZE", "SIZE needs a size and a path"},
      {"SIZE ", "SIZE needs a size and a path"},
      {"SIZE 12", "SIZE needs a path after its size"},
      {"SIZE 12 ", "SIZE needs a path after its size"},
      {"SIZE /out.csv", "SIZE bytes is not an unsigned decimal integer: \"/out.csv\""},
      {"SIZE  /out.csv", "SIZE bytes is not an unsigned decimal integer: \"\""},
      {"SIZE -1 /out.csv", "SIZE bytes is not an unsigned decimal integer: \"-1\""},
      {"SIZE 18446744073709551616 /o", "SIZE bytes out of range: \"18446744073709551616\""},
      {"COMPLETE now", "COMPLETE takes no arguments"},
      {"COMPLETE ", "COMPLETE takes no arguments"},
      {"SLOT 1", "SLOT takes no arguments"},
      {"ckpt 1", "unknown verb \"ckpt\""},
      {"CKPTX 1", "unknown verb \"CKPTX\""},
      {"CKPT\t1", "unknown verb \"CKPT?1\""},
      {"COMPLETE\r", "unknown verb \"COMPLETE?\""},
      {"XYZ", "unknown verb \"XYZ\""},
  };
  for (const Case& c : cases) CHECK(MustReject(c.line) == c.error);
}

TEST_CASE("An unknown verb is quoted in the error, truncated and printable") {
  const std::string verb =
      std::string("\x01\x7f\xff", 3) + std::string(1, '\0') + "\xc3\xa9" + std::string(100, 'A');
  const std::string error = MustReject(verb + " arg");
  CHECK(error == "unknown verb \"??????" + std::string(26, 'A') + "\"...");
}

TEST_CASE("A NUL in a position, id, key, path or token is refused, naming the field") {
  CHECK(MustReject("CKPT pos\0tail"sv) == "CKPT position contains a NUL byte");
  CHECK(MustReject("DONE a\0b"sv) == "DONE id contains a NUL byte");
  CHECK(MustReject("FAIL \0 why"sv) == "FAIL id contains a NUL byte");
  CHECK(MustReject("STATE k\0 v"sv) == "STATE key contains a NUL byte");
  CHECK(MustReject("OUTPUT /tmp/\0x"sv) == "OUTPUT path contains a NUL byte");
  CHECK(MustReject("SYNC t\0"sv) == "SYNC token contains a NUL byte");
  CHECK(MustReject("SIZE 3 /tmp/\0x"sv) == "SIZE path contains a NUL byte");
  // Free text may hold one: it is stored with its length, never a C string.
  CHECK(MustParse("FAIL id bad\0reason"sv).detail == "bad\0reason"sv);
  CHECK(MustParse("STATE k v\0w"sv).detail == "v\0w"sv);
}

TEST_CASE("A rejected line leaves the record untouched") {
  Record r{};
  r.count = 5;
  r.arg = "kept";
  std::string error;
  CHECK_FALSE(ParseRecord("PROGRESS 1 x", &r, &error));
  CHECK(r.count == 5);
  CHECK(r.arg == "kept");
}

TEST_CASE("A null error pointer is allowed") {
  Record r{};
  CHECK_FALSE(ParseRecord("NOPE", &r, nullptr));
  CHECK(ParseRecord("COMPLETE", &r, nullptr));
}

TEST_CASE("Invalid UTF-8 in an id, and NUL bytes in free text, are kept verbatim") {
  const std::string id("ab\xff\xfe\xc3(\x01", 7);  // the records view their lines: keep them
  const std::string done_line = "DONE " + id;
  const Record done = MustParse(done_line);
  CHECK(done.arg == id);
  const std::string fail_line = "FAIL " + id + " " + std::string("why\0", 4);
  const Record fail = MustParse(fail_line);
  CHECK(fail.arg == id);
  CHECK(fail.detail == std::string_view("why\0", 4));
  const std::string value = id + std::string("\0", 1);
  const std::string state_line = "STATE " + id + " " + value;
  const Record state = MustParse(state_line);
  CHECK(state.arg == id);
  CHECK(state.detail == value);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
