#include "base/json_writer.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace ckwrap {
namespace {

struct Escape {
  std::string text;
  std::string json;  // what JsonString makes of it, quotes included
};

// Every value a writer test names, each once.
std::string AllValueKinds() {
  JsonWriter json;
  json.BeginObject().Key("s").String("x").Key("t").Bool(true).Key("f").Bool(false);
  json.Key("n").Null().Key("i").Number(-42).Key("u").Number(uint64_t{7});
  json.Key("r").Raw("[1,2]").Key("p").Fixed(12.3456, 3);
  return json.EndObject().Take();
}

TEST_SUITE_BEGIN("base/json_writer");

TEST_CASE("Quotes, backslashes and control bytes are escaped") {
  const Escape kCases[] = {
      {"", "\"\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"C:\\tmp", "\"C:\\\\tmp\""},
      {std::string("\0", 1), "\"\\u0000\""},
      {"\r\n\t\x1b", "\"\\u000d\\u000a\\u0009\\u001b\""},
      {"\x1f \x20 \x7f", "\"\\u001f \x20 \x7f\""},  // 0x20 and DEL are not control bytes here
      {"/", "\"/\""},                               // the solidus is never escaped
  };
  for (const Escape& c : kCases) CHECK(JsonString(c.text) == c.json);
}

TEST_CASE("Well-formed UTF-8 is copied and each invalid byte becomes U+FFFD") {
  const Escape kCases[] = {
      {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""},
      {"\x80", "\"\\ufffd\""},                                   // a lone continuation byte
      {"\xe2\x82", "\"\\ufffd\\ufffd\""},                        // a sequence cut short
      {"\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\""},             // overlong NUL
      {"\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\""},             // a low surrogate
      {"\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},  // no such lead byte
      {"ok\xfe\"", "\"ok\\ufffd\\\"\""},                         // escaping goes on after it
  };
  for (const Escape& c : kCases) CHECK(JsonString(c.text) == c.json);
}

TEST_CASE("Keys and strings in a writer are escaped the same way") {
  JsonWriter json;
  json.BeginObject().Key("a\"b").String("\x01\xff").EndObject();
  CHECK(json.text() == "{" + JsonString("a\"b") + ":" + JsonString("\x01\xff") + "}");
}

TEST_CASE("Commas go between members and elements, never after the last") {
  JsonWriter json;
  json.BeginArray().Number(1).BeginObject().Key("a").Number(2).Key("b").BeginArray();
  json.EndArray().EndObject().BeginArray().Number(3).Number(4).EndArray().EndArray();
  CHECK(json.text() == "[1,{\"a\":2,\"b\":[]},[3,4]]");
}

TEST_CASE("Empty containers are written without separators") {
  JsonWriter json;
  json.BeginObject().Key("o").BeginObject().EndObject().Key("a").BeginArray().EndArray();
  CHECK(json.EndObject().text() == "{\"o\":{},\"a\":[]}");
}

TEST_CASE("Every kind of value is written as compact JSON") {
  CHECK(AllValueKinds() ==
        "{\"s\":\"x\",\"t\":true,\"f\":false,\"n\":null,\"i\":-42,\"u\":7,\"r\":[1,2],"
        "\"p\":12.346}");
}

TEST_CASE("Integers keep every digit up to the 64-bit limits") {
  JsonWriter json;
  json.BeginArray().Number(std::numeric_limits<uint64_t>::max());
  json.Number(std::numeric_limits<int64_t>::min()).Number(size_t{0}).EndArray();
  CHECK(json.text() == "[18446744073709551615,-9223372036854775808,0]");
}

TEST_CASE("A missing value is null and a present one a string") {
  JsonWriter json;
  json.BeginArray().StringOrNull(false, "ignored").StringOrNull(true, "").EndArray();
  CHECK(json.text() == "[null,\"\"]");
}

TEST_CASE("A value outside any container stands alone") {
  JsonWriter json;
  CHECK(json.String("only").text() == "\"only\"");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
