#include "intake/line_matcher.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ckwrap {
namespace {

std::vector<std::string> Run(const std::vector<MatchRule>& rules, std::string_view line) {
  std::unique_ptr<LineMatcher> m;
  Status s = LineMatcher::Compile(rules, &m);
  REQUIRE_MESSAGE(s.ok(), s.message());
  std::vector<std::string> out;
  m->Match(line, [&out](std::string_view r) { out.emplace_back(r); });
  return out;
}

TEST_SUITE_BEGIN("intake/line_matcher");

TEST_CASE("The first capture group of a --match becomes a CKPT") {
  CHECK(Run({{MatchVerb::kCkpt, "Processed ([0-9]+) rows", "--match"}}, "Processed 120 rows") ==
        std::vector<std::string>{"CKPT 120"});
  CHECK(Run({{MatchVerb::kCkpt, "Processed ([0-9]+) rows", "--match"}}, "nothing").empty());
}

TEST_CASE("A --match-progress takes its second group as the total") {
  MatchRule rule{MatchVerb::kProgress, "([0-9]+)/([0-9]+)", "--match-progress"};
  CHECK(Run({rule}, "Processed 120/500 rows") == std::vector<std::string>{"PROGRESS 120 500"});
  MatchRule optional_total{MatchVerb::kProgress, "([0-9]+)(/([0-9]+))?", "--match-progress"};
  CHECK(Run({optional_total}, "at 7") == std::vector<std::string>{"PROGRESS 7"});
}

TEST_CASE("Every rule that matches a line gives a record, in rule order") {
  std::vector<MatchRule> rules = {{MatchVerb::kDone, "item ([a-z]+) ok", "--match-done"},
                                  {MatchVerb::kCkpt, "row ([0-9]+)", "--match"}};
  CHECK(Run(rules, "row 4: item abc ok") == std::vector<std::string>{"DONE abc", "CKPT 4"});
}

TEST_CASE("A line with NUL bytes is matched like any other") {
  std::string line("x\0row 5", 7);
  CHECK(Run({{MatchVerb::kCkpt, "row ([0-9]+)", "--match"}}, line) ==
        std::vector<std::string>{"CKPT 5"});
}

TEST_CASE("An empty capture group makes no record") {
  CHECK(Run({{MatchVerb::kCkpt, "row ([0-9]*)", "--match"}}, "row x").empty());
}

TEST_CASE("A bad pattern is an error naming the pattern and its option") {
  std::unique_ptr<LineMatcher> m;
  Status s = LineMatcher::Compile({{MatchVerb::kCkpt, "a(b", "--match"}}, &m);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("a(b") != std::string::npos);
  CHECK(s.message().find("--match") != std::string::npos);
  s = LineMatcher::Compile({{MatchVerb::kCkpt, "no group", "--match"}}, &m);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("capture group") != std::string::npos);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
