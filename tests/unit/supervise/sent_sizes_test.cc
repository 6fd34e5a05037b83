#include "supervise/sent_sizes.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

TEST_SUITE_BEGIN("supervise/sent_sizes");

TEST_CASE("A sent size waits for one record, per output") {
  SentSizes sizes;
  uint64_t bytes = 0;
  CHECK_FALSE(sizes.any_waiting());
  CHECK_FALSE(sizes.Take(0, &bytes));
  sizes.Send(1, 42);
  CHECK(sizes.any_waiting());
  CHECK_FALSE(sizes.Take(0, &bytes));
  REQUIRE(sizes.Take(1, &bytes));
  CHECK(bytes == 42);
  CHECK_FALSE(sizes.any_waiting());
  CHECK_FALSE(sizes.Take(1, &bytes));  // taken by the record it came with
}

TEST_CASE("The size taken is the largest sent in the run, and Clear starts a new run") {
  SentSizes sizes;
  uint64_t bytes = 0;
  sizes.Send(0, 100);
  sizes.Send(0, 90);
  REQUIRE(sizes.Take(0, &bytes));
  CHECK(bytes == 100);
  sizes.Send(0, 50);
  REQUIRE(sizes.Take(0, &bytes));
  CHECK(bytes == 100);
  sizes.Send(0, 70);
  sizes.Clear();
  CHECK_FALSE(sizes.any_waiting());
  CHECK_FALSE(sizes.Take(0, &bytes));
  sizes.Send(0, 60);
  REQUIRE(sizes.Take(0, &bytes));
  CHECK(bytes == 60);
}

TEST_CASE("A size taken is unchecked once, until checked") {
  SentSizes sizes;
  uint64_t bytes = 0;
  CHECK_FALSE(sizes.TakeUnchecked(0));
  sizes.Send(0, 5);
  CHECK_FALSE(sizes.TakeUnchecked(0));  // waiting, not taken yet
  REQUIRE(sizes.Take(0, &bytes));
  CHECK(sizes.TakeUnchecked(0));
  CHECK_FALSE(sizes.TakeUnchecked(0));
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
