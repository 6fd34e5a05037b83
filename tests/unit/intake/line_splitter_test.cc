// LineSplitter: the protocol stream cut into lines, at any chunking, with the
// line limit (protocol_test.cc: the records).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "intake/protocol.h"

namespace ckwrap {
namespace {

using namespace std::string_view_literals;

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

TEST_SUITE_BEGIN("intake/line_splitter");

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
