// The optional progress-file section of the checkpoint payload
// (man/ckwrap-checkpoint.5, PAYLOAD).
#include <doctest/doctest.h>
#include <xxhash.h>

#include <string>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/encoding_test_util.h"
#include "store/journal_reader.h"
#include "store/journal_writer.h"
#include "store/snapshot_reader.h"

namespace ckwrap {
namespace {

Checkpoint WithCursor() {
  Checkpoint c;
  c.has_position = true;
  c.position = "17";
  c.records = 3;
  c.progress_file = FileCursor{2049, 123456789, 4096, 0xfeedfacecafebeefULL};
  return c;
}

TEST_SUITE_BEGIN("store/checkpoint_cursor");

TEST_CASE("A progress-file cursor round-trips through the snapshot") {
  Checkpoint out;
  Status status = DecodeCheckpoint(testing::SnapshotBytes(WithCursor()), &out);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(out == WithCursor());
}

TEST_CASE("A checkpoint without a cursor is encoded as before") {
  Checkpoint plain = WithCursor();
  plain.progress_file = FileCursor();
  // The section adds exactly its tag and four u64s, and only when set.
  CHECK(testing::SnapshotBytes(WithCursor()).size() ==
        testing::SnapshotBytes(plain).size() + 1 + 4 * 8);
}

TEST_CASE("A cursor section truncated at every length is rejected") {
  const std::string bytes = testing::SnapshotBytes(WithCursor());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Checkpoint out;
    CHECK_FALSE(DecodeCheckpoint(bytes.substr(0, cut), &out).ok());
  }
}

using testing::Reseal;

TEST_CASE("An unknown section tag is rejected") {
  std::string bytes = testing::SnapshotBytes(WithCursor());
  const size_t tag_at = bytes.size() - 1 - 4 * 8;
  REQUIRE(bytes[tag_at] == 1);
  bytes[tag_at] = 9;
  Checkpoint out;
  Status status = DecodeCheckpoint(Reseal(bytes), &out);
  CHECK_FALSE(status.ok());
  CHECK(status.message().find("trailing bytes") != std::string::npos);
}

}  // namespace
}  // namespace ckwrap

namespace ckwrap {
namespace {

TEST_CASE("A journal commit carries the progress-file cursor") {
  std::string journal;
  AppendJournalHeader(&journal, 7);
  AppendJournalCommit(&journal, WithCursor());
  Checkpoint moved = WithCursor();
  moved.progress_file.offset = 8192;
  AppendJournalCommit(&journal, moved);
  // A torn commit: its cursor must not apply.
  std::string torn;
  Checkpoint further = moved;
  further.progress_file.offset = 9000;
  AppendJournalCommit(&torn, further);
  journal += torn.substr(0, torn.size() - 1);
  Checkpoint out;
  JournalReplay replay;
  Status status = ReplayJournal(journal, 7, &out, &replay);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(replay.commits == 2);
  CHECK(out.progress_file == moved.progress_file);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
