#include "base/escape.h"

#include <doctest/doctest.h>

#include <string>

namespace ckwrap {
namespace {

using namespace std::string_view_literals;

TEST_SUITE_BEGIN("base/escape");

TEST_CASE("Printable escapes C0, DEL and UTF-8 C1 controls as \\xNN") {
  CHECK(Printable("pos\x1b]0;pwn\x07"sv) == "pos\\x1b]0;pwn\\x07");
  CHECK(Printable("a\0b"sv) == "a\\x00b");
  CHECK(Printable("\x7f\n\t\r"sv) == "\\x7f\\x0a\\x09\\x0d");
  CHECK(Printable("csi\xc2\x9b"
                  "2J"sv) == "csi\\xc2\\x9b2J");
  CHECK(Printable("\xc2\x80\xc2\x9f"sv) == "\\xc2\\x80\\xc2\\x9f");
}

TEST_CASE("Printable keeps printable ASCII and other UTF-8 as it is") {
  CHECK(Printable("plain text ~!") == "plain text ~!");
  CHECK(Printable("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xc2\xa0") ==
        "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xc2\xa0");
  CHECK(Printable("\xc2") == "\xc2");  // a lone lead byte at the end is no C1
  CHECK(Printable("") == "");
}

TEST_CASE("PrintableLines keeps line feeds and escapes the rest") {
  CHECK(PrintableLines("one\ntwo\x1b[2J\r") == "one\ntwo\\x1b[2J\\x0d");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
