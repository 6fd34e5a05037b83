#include "store/last_exit.h"

#include <doctest/doctest.h>

#include "store/checkpoint_test_util.h"

namespace ckwrap {
namespace {

using testing::TempDir;
using testing::WriteFileForTest;

TEST_SUITE_BEGIN("store/last_exit");

TEST_CASE("The last exit status is read back, and forgotten when a supervisor starts") {
  TempDir dir;
  CHECK(ReadLastExit(dir.path()) == -1);
  RecordLastExit(dir.Open(), 76);
  CHECK(ReadLastExit(dir.path()) == 76);
  RecordLastExit(dir.Open(), 75);
  CHECK(ReadLastExit(dir.path()) == 75);
  ForgetLastExit(dir.Open());
  CHECK(ReadLastExit(dir.path()) == -1);
  ForgetLastExit(dir.Open());  // none to remove: no error
}

TEST_CASE("A last_exit that is not a status reads as none") {
  TempDir dir;
  for (const char* bytes : {"", "x\n", "76x\n", "-1\n", "256\n", "12345678901234567890\n"}) {
    WriteFileForTest(dir.path() + "/last_exit", bytes);
    CHECK_MESSAGE(ReadLastExit(dir.path()) == -1, bytes);
  }
  CHECK(ReadLastExit(dir.path() + "/nosuch") == -1);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
