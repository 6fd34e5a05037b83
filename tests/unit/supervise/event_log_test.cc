#include "supervise/event_log.h"

#include <doctest/doctest.h>

#include <string>

namespace ckwrap {
namespace {

TEST_SUITE_BEGIN("supervise/event_log");

TEST_CASE("A termination message is one escaped line") {
  CHECK(TerminationMessage("job succeeded at position 60 after 2 attempts") ==
        "job succeeded at position 60 after 2 attempts\n");
  CHECK(TerminationMessage("gave up at position a\nb\x1b]0;t\x07") ==
        "gave up at position a\\x0ab\\x1b]0;t\\x07\n");
}

TEST_CASE("A long termination message keeps its start and end within the kubelet's 4096 bytes") {
  const std::string position(10000, 'p');
  const std::string message = "job succeeded at position " + position + " after 3 attempts";
  const std::string text = TerminationMessage(message);
  CHECK(text.size() <= 4096);
  CHECK(text.size() > 4000);
  CHECK(text.rfind("job succeeded at position ppp", 0) == 0);
  CHECK(text.find(" [...] ") != std::string::npos);
  CHECK(text.substr(text.size() - 18) == " after 3 attempts\n");
  // Never a character cut in two: a 3-byte UTF-8 character repeated.
  std::string wide;
  for (int i = 0; i < 3000; ++i) wide += "\xe2\x82\xac";  // U+20AC
  const std::string cut = TerminationMessage(wide);
  CHECK(cut.size() <= 4096);
  const size_t gap = cut.find(" [...] ");
  REQUIRE(gap != std::string::npos);
  CHECK(gap % 3 == 0);
  CHECK((cut.size() - 1 - gap - 7) % 3 == 0);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
