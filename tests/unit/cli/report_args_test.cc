#include "cli/report_args.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

Status Parse(std::vector<std::string> args, bool allow_name, ReportArgs* out) {
  *out = ReportArgs();
  return ParseReportArgs(args, allow_name, out);
}

TEST_CASE("inspect and status arguments: a target, --json or --field, status's --name") {
  ReportArgs a;
  REQUIRE(Parse({"st", "--json"}, false, &a).ok());
  CHECK(a.target == "st");
  CHECK(a.json);
  REQUIRE(Parse({"--field", "position", "st"}, false, &a).ok());
  CHECK(a.field == "position");
  CHECK_FALSE(a.json);
  REQUIRE(Parse({"--name", "imp", "--field", "state"}, true, &a).ok());
  CHECK(a.target == ".ckwrap/imp");
  REQUIRE(Parse({}, true, &a).ok());
  CHECK(a.target.empty());
  CHECK(a.targets.empty());
}

TEST_CASE("status takes several state directories; inspect and --name one") {
  ReportArgs a;
  REQUIRE(Parse({"d0", "--json", "d1", "d2"}, true, &a).ok());
  CHECK(a.targets == std::vector<std::string>{"d0", "d1", "d2"});
  CHECK(a.target == "d0");
  REQUIRE(Parse({"--name", "imp"}, true, &a).ok());
  CHECK(a.targets == std::vector<std::string>{".ckwrap/imp"});
  CHECK(Parse({"--name", "imp", "d1"}, true, &a).message() == "unexpected 'd1'");
  CHECK(Parse({"d0", "d1"}, false, &a).message() == "unexpected 'd1'");
}

TEST_CASE("inspect and status arguments: each mistake is named") {
  ReportArgs a;
  CHECK(Parse({"--name", "imp"}, false, &a).message() == "unexpected '--name'");
  CHECK(Parse({"--name", "a/b"}, true, &a).message() ==
        "bad --name 'a/b' (a non-empty name without '/')");
  CHECK(Parse({"--name", ""}, true, &a).message().find("bad --name ''") == 0);
  CHECK(Parse({"st", "other"}, false, &a).message() == "unexpected 'other'");
  CHECK(Parse({"--field"}, false, &a).message() == "unexpected '--field'");
  CHECK(Parse({"--json", "--field", "x", "st"}, false, &a).message() ==
        "--json and --field together");
  CHECK(Parse({"--verbose", "st"}, true, &a).message() == "unexpected '--verbose'");
}

}  // namespace
}  // namespace ckwrap
