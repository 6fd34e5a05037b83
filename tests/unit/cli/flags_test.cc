#include "cli/flags.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ckwrap {
namespace {

struct Seen {
  bool loud = false;
  std::string level;
};

const std::vector<Flag<Seen>>& TestFlags() {
  static const std::vector<Flag<Seen>> flags = {
      {"--loud", nullptr, nullptr, nullptr, "be loud",
       [](const std::string&, const std::string&, Seen* out) {
         out->loud = true;
         return Status::Ok();
       }},
      {"--level", "CKWRAP_TEST_LEVEL", "N", "3", "how loud",
       [](const std::string& flag, const std::string& value, Seen* out) {
         if (value == "bad") return Status::Error("bad value for " + flag);
         out->level = value;
         return Status::Ok();
       }},
  };
  return flags;
}

Status Parse(std::vector<std::string> args, Operands where, Seen* seen, ParsedArgs* parsed) {
  *seen = Seen();
  *parsed = ParsedArgs();
  return ParseFlags(TestFlags(), args, where, seen, parsed);
}

TEST_SUITE("cli/flags") {
  TEST_CASE("Operands may stand among the flags, or end them") {
    Seen seen;
    ParsedArgs parsed;
    REQUIRE(Parse({"a", "--loud", "b", "--level=2"}, Operands::kAnywhere, &seen, &parsed).ok());
    CHECK(parsed.operands == std::vector<std::string>{"a", "b"});
    CHECK(seen.loud);
    CHECK(seen.level == "2");
    REQUIRE(Parse({"--loud", "a", "--level", "2"}, Operands::kEndFlags, &seen, &parsed).ok());
    CHECK(parsed.operands == std::vector<std::string>{"a", "--level", "2"});
    CHECK(seen.level.empty());
  }

  TEST_CASE("-- ends the flags and a lone - is an operand") {
    Seen seen;
    ParsedArgs parsed;
    REQUIRE(Parse({"-", "--", "--loud"}, Operands::kAnywhere, &seen, &parsed).ok());
    CHECK(parsed.operands == std::vector<std::string>{"-", "--loud"});
    CHECK_FALSE(seen.loud);
  }

  TEST_CASE("--help and -h ask for the usage in every table") {
    Seen seen;
    ParsedArgs parsed;
    REQUIRE(Parse({"x", "-h"}, Operands::kAnywhere, &seen, &parsed).ok());
    CHECK(parsed.help);
    REQUIRE(Parse({"--help"}, Operands::kEndFlags, &seen, &parsed).ok());
    CHECK(parsed.help);
    CHECK(Parse({"--help=yes"}, Operands::kAnywhere, &seen, &parsed).message() ==
          "option --help takes no value");
  }

  TEST_CASE("A grammar mistake names the word, a bad value is the setter's message") {
    Seen seen;
    ParsedArgs parsed;
    CHECK(Parse({"--nope"}, Operands::kAnywhere, &seen, &parsed).message() ==
          "unknown option '--nope'");
    CHECK(parsed.bad_word == "--nope");
    CHECK(Parse({"--level"}, Operands::kAnywhere, &seen, &parsed).message() ==
          "option --level needs a value");
    CHECK(parsed.bad_word == "--level");
    CHECK(Parse({"--level=bad"}, Operands::kAnywhere, &seen, &parsed).message() ==
          "bad value for --level");
    CHECK(parsed.bad_word.empty());
  }

  TEST_CASE("The help shows each flag's metavar, variable and default, wrapped") {
    const std::string help = FlagsHelp(TestFlags());
    CHECK(help ==
          "  --loud                be loud\n"
          "  --level N             how loud (CKWRAP_TEST_LEVEL; default 3)\n"
          "  --help, -h            print this help and exit\n");
    CHECK(HelpEntry("--a-label-too-long-for-the-margin", "text") ==
          "  --a-label-too-long-for-the-margin\n                        text\n");
    std::string wrapped = HelpEntry("--x", std::string(50, 'a') + " " + std::string(10, 'b'));
    CHECK(wrapped == "  --x                   " + std::string(50, 'a') + "\n" +
                         std::string(24, ' ') + std::string(10, 'b') + "\n");
  }
}

}  // namespace
}  // namespace ckwrap
