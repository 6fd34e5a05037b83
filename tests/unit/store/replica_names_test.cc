// The replica's object names (store/replica_names.h): what restore lists
// and what the uploader creates must be the same names, and a URL a user
// mistyped is refused with the value named.
#include "store/replica_names.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

TEST_CASE("s3://BUCKET/PREFIX: the prefix ends with one '/', or is empty") {
  ReplicaLocation at;
  REQUIRE(ParseReplicaUrl("s3://my-bucket/jobs/import", &at).ok());
  CHECK(at.bucket == "my-bucket");
  CHECK(at.prefix == "jobs/import/");
  CHECK(at.Url() == "s3://my-bucket/jobs/import/");
  REQUIRE(ParseReplicaUrl("s3://my-bucket/jobs/", &at).ok());
  CHECK(at.prefix == "jobs/");
  REQUIRE(ParseReplicaUrl("s3://my-bucket", &at).ok());
  CHECK(at.prefix == "");
}

TEST_CASE("a URL that is not s3://BUCKET/PREFIX is refused, naming it") {
  ReplicaLocation at;
  for (const char* bad : {"http://b/p", "s3://", "s3://UPPER/p", "s3://ab/p", "s3://b_b/p",
                          "s3://bucket//p", "s3://bucket/a//b"}) {
    Status status = ParseReplicaUrl(bad, &at);
    CHECK_MESSAGE(!status.ok(), bad);
    CHECK(status.message().find(std::string("--replicate ") + bad) != std::string::npos);
  }
}

TEST_CASE("snapshot and journal-piece keys parse back; other keys are not ours") {
  ReplicaLocation at{"bkt", "run/"};
  CHECK(ReplicaSnapshotKey(at, 7) == "run/checkpoint.00000000000000000007");
  CHECK(ReplicaJournalKey(at, 7, 12) == "run/journal.00000000000000000007.0000000012");
  ReplicaObject type;
  uint64_t generation = 0, sequence = 0;
  REQUIRE(ParseReplicaKey(at, ReplicaSnapshotKey(at, 7), &type, &generation, &sequence));
  CHECK(type == ReplicaObject::kSnapshot);
  CHECK(generation == 7);
  REQUIRE(ParseReplicaKey(at, ReplicaJournalKey(at, 9, 3), &type, &generation, &sequence));
  CHECK(type == ReplicaObject::kJournalPiece);
  CHECK(generation == 9);
  CHECK(sequence == 3);
  for (const char* other :
       {"run/journal.00000000000000000007", "run/lock",
        "run/journal.00000000000000000007.0000000000", "run/journal.00000000000000000007.12",
        "other/checkpoint.00000000000000000007", "run/sub/checkpoint.00000000000000000007"}) {
    CHECK_MESSAGE(!ParseReplicaKey(at, other, &type, &generation, &sequence), other);
  }
}

}  // namespace
}  // namespace ckwrap
