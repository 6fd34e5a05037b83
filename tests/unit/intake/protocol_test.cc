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
struct Event {
  uint64_t line_number;
  bool overlong;
  std::string text;
  bool operator==(const Event& o) const {
    return line_number == o.line_number && overlong == o.overlong && text == o.text;
  }
};

}  // namespace
}  // namespace ckwrap

// Failure messages show the events, with unprintable bytes as \xNN.
template <>
struct doctest::StringMaker<std::vector<ckwrap::Event>> {
  static doctest::String convert(const std::vector<ckwrap::Event>& events) {
    std::string out;
    for (const ckwrap::Event& e : events) {
      out += "\n  " + std::to_string(e.line_number) + (e.overlong ? " overlong" : " \"");
      for (char c : e.text) {
        const auto byte = static_cast<unsigned char>(c);
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", byte);
        out += (byte >= 0x20 && byte < 0x7f) ? std::string(1, c) : std::string(hex);
      }
      if (!e.overlong) out += "\"";
    }
    return doctest::String(out.c_str());
  }
};

namespace ckwrap {
namespace {

class Collector {
 public:
  explicit Collector(size_t max_line_bytes)
      : splitter_(
            max_line_bytes,
            [this](uint64_t n, std::string_view line) {
              events_.push_back({n, false, std::string(line)});
            },
            [this](uint64_t n) {
              events_.push_back({n, true, ""});
            }) {}

  LineSplitter& splitter() { return splitter_; }
  const std::vector<Event>& events() const { return events_; }

 private:
  LineSplitter splitter_;
  std::vector<Event> events_;
};

std::vector<Event> SplitInPieces(std::string_view stream, const std::vector<size_t>& cuts,
                                 size_t max_line_bytes) {
  Collector c(max_line_bytes);
  size_t from = 0;
  for (size_t cut : cuts) {
    c.splitter().Feed(stream.substr(from, cut - from));
    from = cut;
  }
  c.splitter().Feed(stream.substr(from));
  c.splitter().Finish();
  return c.events();
}

// Every verb, "\r\n", a blank line, a bad line, an overlong line (for a
// 24-byte limit), a line of exactly 24 bytes, and a last line without '\n'.
constexpr std::string_view kStream =
    "CKPT row 41\n"
    "DONE a b\r\n"
    "\n"
    "FAIL item-7 disk full\n"
    "STATE cursor 99\r\n"
    "PROGRESS 3 10\n"
    "BOGUS\n"
    "CKPT this line is far longer than the limit\r\n"
    "STATE k\n"
    "CKPT exactly-24-bytes-ok\r\n"
    "CKPT exactly-24-bytes-ok\r\r\n"
    "COMPLETE";
constexpr size_t kStreamLimit = 24;

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
      {"COMPLETE now", "COMPLETE takes no arguments"},
      {"COMPLETE ", "COMPLETE takes no arguments"},
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

TEST_CASE("The reference stream splits into the expected lines") {
  const std::vector<Event> expected = {
      {1, false, "CKPT row 41"},
      {2, false, "DONE a b"},
      {3, false, ""},
      {4, false, "FAIL item-7 disk full"},
      {5, false, "STATE cursor 99"},
      {6, false, "PROGRESS 3 10"},
      {7, false, "BOGUS"},
      {8, true, ""},
      {9, false, "STATE k"},
      {10, false, "CKPT exactly-24-bytes-ok"},
      {11, true, ""},  // 24 bytes and a '\r' that is not the stripped one
      {12, false, "COMPLETE"},
  };
  CHECK(SplitInPieces(kStream, {}, kStreamLimit) == expected);
}

TEST_CASE("A stream split at every byte boundary gives the same lines") {
  const std::vector<Event> whole = SplitInPieces(kStream, {}, kStreamLimit);
  SUBCASE("two pieces") {
    for (size_t i = 0; i <= kStream.size(); ++i) {
      INFO("cut at ", i);
      REQUIRE(SplitInPieces(kStream, {i}, kStreamLimit) == whole);
    }
  }
  SUBCASE("three pieces") {
    for (size_t i = 0; i <= kStream.size(); ++i) {
      for (size_t j = i; j <= kStream.size(); ++j) {
        INFO("cuts at ", i, " and ", j);
        REQUIRE(SplitInPieces(kStream, {i, j}, kStreamLimit) == whole);
      }
    }
  }
  SUBCASE("one byte at a time") {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < kStream.size(); ++i) cuts.push_back(i);
    CHECK(SplitInPieces(kStream, cuts, kStreamLimit) == whole);
  }
}

TEST_CASE("One trailing carriage return is stripped") {
  const std::string_view stream = "a\r\nb\r\r\n\r\nc\rd\n\r";
  const std::vector<Event> expected = {
      {1, false, "a"}, {2, false, "b\r"}, {3, false, ""}, {4, false, "c\rd"}, {5, false, ""}};
  CHECK(SplitInPieces(stream, {}, 64) == expected);
  for (size_t i = 0; i <= stream.size(); ++i) CHECK(SplitInPieces(stream, {i}, 64) == expected);
}

TEST_CASE("A line of exactly the limit fits, with or without \\r") {
  const std::string line(16, 'x');
  for (const std::string& stream : {line + "\n", line + "\r\n", line}) {
    for (size_t i = 0; i <= stream.size(); ++i) {
      INFO("stream size ", stream.size(), " cut at ", i);
      CHECK(SplitInPieces(stream, {i}, 16) == std::vector<Event>{{1, false, line}});
    }
  }
}

TEST_CASE("An overlong line is reported once and the next lines still parse") {
  const std::string stream =
      "CKPT 1\n" + std::string(17, 'y') + "\r\nCKPT 2\n" + std::string(100, 'z') + "\nDONE x\n";
  const std::vector<Event> expected = {{1, false, "CKPT 1"},
                                       {2, true, ""},
                                       {3, false, "CKPT 2"},
                                       {4, true, ""},
                                       {5, false, "DONE x"}};
  for (size_t i = 0; i <= stream.size(); ++i) {
    INFO("cut at ", i);
    CHECK(SplitInPieces(stream, {i}, 16) == expected);
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
  CHECK(SplitInPieces(stream, every_byte, 16) == expected);
}

TEST_CASE("Memory stays bounded while a 10 MB line streams in") {
  constexpr size_t kChunk = 64 * 1024;
  constexpr size_t kLimit = kDefaultMaxLineBytes;
  Collector c(kLimit);
  const std::string chunk(kChunk, 'q');
  // Start mid-chunk so the partial buffer holds a real tail.
  c.splitter().Feed("CKPT before\nCKPT ");
  size_t most_buffered = 0;
  size_t most_capacity = 0;
  for (size_t sent = 0; sent < 10 * 1000 * 1000; sent += kChunk) {
    c.splitter().Feed(chunk);
    most_buffered = std::max(most_buffered, c.splitter().buffered_bytes());
    most_capacity = std::max(most_capacity, c.splitter().buffer_capacity());
  }
  c.splitter().Feed("tail\nCKPT after\n");
  c.splitter().Finish();
  CHECK(most_buffered <= kLimit + 1);
  CHECK(most_capacity <= kLimit + 1);
  CHECK(c.splitter().buffered_bytes() == 0);
  const std::vector<Event> expected = {
      {1, false, "CKPT before"}, {2, true, ""}, {3, false, "CKPT after"}};
  CHECK(c.events() == expected);
}

TEST_CASE("A line inside one buffer is delivered without a copy") {
  const std::string buffer = "CKPT 1\nCKPT 2\nCKPT 3";
  std::vector<const char*> starts;
  LineSplitter splitter(
      64, [&](uint64_t, std::string_view line) { starts.push_back(line.data()); }, [](uint64_t) {});
  splitter.Feed(buffer);
  REQUIRE(starts.size() == 2);
  CHECK(starts[0] == buffer.data());
  CHECK(starts[1] == buffer.data() + 7);
  CHECK(splitter.buffered_bytes() == 6);  // only the unfinished "CKPT 3" is copied
}

TEST_CASE("Finish delivers a last line without a newline") {
  SUBCASE("a partial line") {
    CHECK(SplitInPieces("CKPT 1\nCKPT 2", {}, 64) ==
          std::vector<Event>{{1, false, "CKPT 1"}, {2, false, "CKPT 2"}});
  }
  SUBCASE("a partial line ending in \\r") {
    CHECK(SplitInPieces("CKPT 2\r", {}, 64) == std::vector<Event>{{1, false, "CKPT 2"}});
  }
  SUBCASE("nothing after the last newline gives no extra line") {
    CHECK(SplitInPieces("CKPT 1\n", {}, 64) == std::vector<Event>{{1, false, "CKPT 1"}});
    CHECK(SplitInPieces("", {}, 64).empty());
  }
  SUBCASE("an overlong last line is reported, not delivered") {
    CHECK(SplitInPieces("a\n" + std::string(17, 'x'), {}, 16) ==
          std::vector<Event>{{1, false, "a"}, {2, true, ""}});
    CHECK(SplitInPieces("a\n" + std::string(100, 'x'), {}, 16) ==
          std::vector<Event>{{1, false, "a"}, {2, true, ""}});
  }
  SUBCASE("line numbers count the final line") {
    Collector c(64);
    c.splitter().Feed("a\nb");
    CHECK(c.splitter().lines() == 1);
    c.splitter().Finish();
    CHECK(c.splitter().lines() == 2);
    CHECK(c.splitter().buffered_bytes() == 0);
  }
}

TEST_CASE("NUL bytes and invalid UTF-8 pass through the splitter") {
  const std::string stream("DONE a\0b\xff\n\0\n\xc3\n", 14);
  const std::vector<Event> expected = {{1, false, std::string("DONE a\0b\xff", 9)},
                                       {2, false, std::string(1, '\0')},
                                       {3, false, "\xc3"}};
  CHECK(SplitInPieces(stream, {}, 64) == expected);
  for (size_t i = 0; i <= stream.size(); ++i) CHECK(SplitInPieces(stream, {i}, 64) == expected);
}

TEST_CASE("A zero limit accepts only empty lines") {
  CHECK(SplitInPieces("\nx\n\r\n", {}, 0) ==
        std::vector<Event>{{1, false, ""}, {2, true, ""}, {3, false, ""}});
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
