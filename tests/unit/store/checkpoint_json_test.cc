#include "store/checkpoint_json.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ckwrap {
namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0; written independently
// of the code under test.
size_t Utf8Length(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t cp = n == 1 ? c : c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// True if s is one JSON string literal (RFC 8259) in well-formed UTF-8.
bool IsJsonStringLiteral(const std::string& s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (size_t i = 1; i + 1 < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"') return false;
    if (c == '\\') {
      if (i + 2 >= s.size()) return false;
      char e = s[i + 1];
      if (e != 'u') {
        if (std::string("\"\\/bfnrt").find(e) == std::string::npos) return false;
        i += 2;
        continue;
      }
      if (i + 6 >= s.size()) return false;
      for (size_t k = i + 2; k < i + 6; ++k) {
        if (!isxdigit(static_cast<unsigned char>(s[k]))) return false;
      }
      i += 6;
      continue;
    }
    size_t n = Utf8Length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

TEST_SUITE_BEGIN("store/checkpoint_json");

TEST_CASE("JsonString escapes quotes, backslashes and control characters") {
  CHECK(JsonString("") == "\"\"");
  CHECK(JsonString("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(JsonString(std::string("\n\t\x01\x1f\0", 5)) == "\"\\u000a\\u0009\\u0001\\u001f\\u0000\"");
  CHECK(JsonString("/\x7f") == "\"/\x7f\"");
}

TEST_CASE("JsonString keeps well-formed UTF-8 as is") {
  std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
  CHECK(JsonString(text) == "\"" + text + "\"");
}

TEST_CASE("JsonString replaces each invalid UTF-8 byte with U+FFFD") {
  CHECK(JsonString("a\xffz") == "\"a\\ufffdz\"");
  CHECK(JsonString("\xc3") == "\"\\ufffd\"");                        // truncated sequence
  CHECK(JsonString("\xc0\xaf") == "\"\\ufffd\\ufffd\"");             // overlong "/"
  CHECK(JsonString("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
  CHECK(JsonString("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
  CHECK(JsonString("\xe9t\xc3\xa9") == "\"\\ufffdt\xc3\xa9\"");
}

TEST_CASE("JsonString output is a valid JSON string for every one- and two-byte input") {
  for (int a = 0; a < 256; ++a) {
    for (int b = -1; b < 256; ++b) {
      std::string text(1, static_cast<char>(a));
      if (b >= 0) text += static_cast<char>(b);
      std::string json = JsonString(text);
      if (!IsJsonStringLiteral(json)) FAIL_CHECK("not valid JSON: ", json, " for ", a, ",", b);
    }
  }
}

TEST_CASE("JsonString output is valid JSON for three- and four-byte sequences") {
  for (int lead : {0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5}) {
    for (int b = 0x70; b < 0xd0; ++b) {
      for (int c : {0x00, 0x41, 0x80, 0xbf, 0xc0}) {
        std::string text = {static_cast<char>(lead), static_cast<char>(b), static_cast<char>(c),
                            '\x80'};
        CHECK(IsJsonStringLiteral(JsonString(text)));
      }
    }
  }
}

TEST_CASE("StateToJson renders an object in key order") {
  CHECK(StateToJson({}) == "{}");
  CHECK(StateToJson({{"b", "2"}, {"a", "x\"y"}}) == "{\"a\":\"x\\\"y\",\"b\":\"2\"}");
}

Checkpoint Sample() {
  Checkpoint c;
  c.has_position = true;
  c.position = "line\n9";
  c.done = {"c", "a", "b"};
  c.failures = {{"x", "exit 3"}};
  c.state = {{"k", "v"}};
  c.records = 12;
  c.attempts = 3;
  c.restarts = 2;
  c.created_unix_ms = -1;
  c.updated_unix_ms = 1700000000000;
  c.command_fingerprint = 0xabc;
  c.complete = true;
  c.progress_done = 5;
  c.progress_total = 10;
  return c;
}

TEST_CASE("CheckpointToJson renders every field") {
  CHECK(CheckpointToJson(Sample(), 10) ==
        "{\"position\":\"line\\u000a9\",\"complete\":true,\"records\":12,\"attempts\":3,"
        "\"restarts\":2,\"created_unix_ms\":-1,\"updated_unix_ms\":1700000000000,"
        "\"command_fingerprint\":\"0000000000000abc\",\"progress_done\":5,"
        "\"progress_total\":10,\"done_count\":3,\"done\":[\"a\",\"b\",\"c\"],"
        "\"done_truncated\":false,\"failures\":[{\"id\":\"x\",\"reason\":\"exit 3\",\"count\":1}],"
        "\"state\":{\"k\":\"v\"}}");
}

TEST_CASE("CheckpointToJson lists done ids only up to the limit but counts them all") {
  std::string json = CheckpointToJson(Sample(), 2);
  CHECK(json.find("\"done_count\":3,\"done\":[\"a\",\"b\"],\"done_truncated\":true") !=
        std::string::npos);
}

TEST_CASE("CheckpointToJson renders a missing position as null") {
  Checkpoint c;
  CHECK(CheckpointToJson(c, 0).rfind("{\"position\":null,\"complete\":false,", 0) == 0);
}

TEST_CASE("The done ids shown are the smallest, in byte order, however many there are") {
  Checkpoint c;
  std::vector<std::string> all;
  for (int i = 0; i < 1000; ++i) all.push_back("id-" + std::to_string((i * 7919) % 1000));
  for (const std::string& id : all) c.done.insert(id);
  std::sort(all.begin(), all.end());
  std::string expected = "\"done\":[";
  for (int i = 0; i < 7; ++i) expected += (i ? ",\"" : "\"") + all[i] + "\"";
  CHECK(CheckpointToJson(c, 7).find(expected + "]") != std::string::npos);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
