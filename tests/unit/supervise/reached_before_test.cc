// ReachedBefore: what counts as a new position or STATE value (progress), and
// when a resumed run's first position is behind its resume position.
#include "supervise/reached_before.h"

#include <doctest/doctest.h>

#include <string>

namespace ckwrap {
namespace {

TEST_SUITE_BEGIN("supervise/reached_before");

TEST_CASE("Numeric positions compare as numbers, whatever their length or leading zeros") {
  CHECK(NumericallyBefore("9", "10"));
  CHECK(NumericallyBefore("0009", "10"));
  CHECK_FALSE(NumericallyBefore("010", "10"));
  CHECK(NumericallyBefore("99999999999999999999", "100000000000000000000"));
  CHECK_FALSE(NumericallyBefore("10", "9"));
  CHECK_FALSE(NumericallyBefore("a", "b"));  // not numbers: no order
  CHECK_FALSE(NumericallyBefore("-1", "2"));
  CHECK(IsNumericPosition("007"));
  CHECK_FALSE(IsNumericPosition(""));
  CHECK_FALSE(IsNumericPosition("1.5"));
}

TEST_CASE("The start checkpoint's position and values have been reached") {
  Checkpoint start;
  start.has_position = true;
  start.position = "page-9";
  start.state = {{"k", "v"}};
  ReachedBefore reached{start};
  CHECK_FALSE(reached.ReachPosition("page-9"));
  CHECK(reached.ReachPosition("page-10"));
  CHECK_FALSE(reached.ReachState("k", "v"));
  CHECK(reached.ReachState("k", "w"));
  CHECK(reached.ReachState("other", "v"));  // per key
}

TEST_CASE("Behind: a smaller number, or another position reached before") {
  ReachedBefore reached{Checkpoint{}};
  for (const char* p : {"a", "b", "c"}) reached.ReachPosition(p);
  CHECK(reached.Behind("1", "74"));
  CHECK_FALSE(reached.Behind("74", "74"));
  CHECK_FALSE(reached.Behind("75", "74"));
  CHECK(reached.Behind("a", "c"));
  CHECK_FALSE(reached.Behind("d", "c"));  // never seen: cannot tell
  CHECK_FALSE(reached.Behind("c", "c"));
}

TEST_CASE("Past the memory bound an unseen value counts as new, never as a repeat") {
  ReachedBefore reached{Checkpoint{}};
  size_t fresh = 0;
  for (size_t i = 0; i < ReachedBefore::kMaxRemembered; ++i) {
    fresh += reached.ReachState("k", std::to_string(i)) ? 1 : 0;
  }
  CHECK(fresh == ReachedBefore::kMaxRemembered);
  CHECK_FALSE(reached.ReachState("k", "0"));  // remembered
  CHECK(reached.ReachState("k", "new"));
  CHECK(reached.ReachState("k", "new"));  // not remembered any more
}

}  // namespace
}  // namespace ckwrap
