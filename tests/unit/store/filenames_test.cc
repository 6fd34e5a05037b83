#include "store/filenames.h"

#include <doctest/doctest.h>

#include <string>

namespace ckwrap {
namespace {

TEST_CASE("Snapshot and journal names carry 20 zero-padded digits and parse back") {
  CHECK(SnapshotFileName(42) == "checkpoint.00000000000000000042");
  CHECK(JournalFileName(42) == "journal.00000000000000000042");
  for (uint64_t generation : {uint64_t{0}, uint64_t{1}, UINT64_MAX}) {
    FileType type;
    uint64_t parsed = 0;
    REQUIRE(ParseFileName(SnapshotFileName(generation), &type, &parsed));
    CHECK(type == FileType::kSnapshot);
    CHECK(parsed == generation);
    REQUIRE(ParseFileName(JournalFileName(generation), &type, &parsed));
    CHECK(type == FileType::kJournal);
    CHECK(parsed == generation);
  }
}

TEST_CASE("Names without exactly 20 digits that fit in a u64 are not generations") {
  FileType type;
  uint64_t generation = 0;
  for (const char* name :
       {"checkpoint.12", "checkpoint.000000000000000000012", "checkpoint.18446744073709551616",
        "checkpoint.0000000000000000004x", "checkpoint.00000000000000000001.rejected", "journal.",
        "lock", "notes", ""}) {
    CAPTURE(name);
    CHECK_FALSE(ParseFileName(name, &type, &generation));
  }
}

TEST_CASE("Temp names are DurableReplace's, recognised by their prefix") {
  std::string temp = TempFileName(SnapshotFileName(2), 123, 1);
  CHECK(temp == ".tmp.checkpoint.00000000000000000002.123.1");
  FileType type;
  uint64_t generation = 0;
  REQUIRE(ParseFileName(temp, &type, &generation));
  CHECK(type == FileType::kTemp);
}

TEST_CASE("Rejected and lock names are out of Load's sight") {
  CHECK(RejectedFileName(SnapshotFileName(3)) == "checkpoint.00000000000000000003.rejected");
  CHECK(LockFileName() == "lock");
}

}  // namespace
}  // namespace ckwrap
