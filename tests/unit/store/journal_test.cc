// The journal's format: framing, all-or-nothing commits, torn tails at every
// length, every flipped byte detected (journal_recovery_test.cc: the store's
// generations and recovery).
#include <doctest/doctest.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "store/checkpoint_store.h"
#include "store/checkpoint_test_util.h"
#include "store/coding.h"
#include "store/encoding_test_util.h"
#include "store/file_ops.h"
#include "store/journal_format.h"
#include "store/journal_reader.h"
#include "store/journal_steps.h"
#include "store/journal_writer.h"
#include "store/snapshot_reader.h"

namespace ckwrap {
namespace {

using testing::AppendDoneRecord;
using testing::Apply;
using testing::Base;
using testing::SnapshotBytes;
using testing::Step;
using testing::Steps;

// A journal of generation 7 with the states after 0..n commits and the file
// size at the end of each.
struct Built {
  std::string bytes;
  std::vector<Checkpoint> states;  // states[k]: after k commits
  std::vector<size_t> ends;        // ends[k]: bytes after k commits (ends[0]: the header)
  size_t last_commit_record = 0;   // where the last COMMIT record starts
};

Built Build(const Checkpoint& base) {
  Built built;
  AppendJournalHeader(&built.bytes, 7);
  Checkpoint c = base;
  built.states.push_back(c);
  built.ends.push_back(built.bytes.size());
  for (const Step& step : Steps()) {
    Apply(step, &c, &built.bytes, &built.last_commit_record);
    built.states.push_back(c);
    built.ends.push_back(built.bytes.size());
  }
  return built;
}

TEST_SUITE_BEGIN("store/journal");

TEST_CASE("Journal records round trip onto the snapshot") {
  Built built = Build(Base());
  Checkpoint c = Base();
  JournalReplay replay;
  Status status = ReplayJournal(built.bytes, 7, &c, &replay);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(c == built.states.back());
  CHECK(c.done.count("old") == 1);
  CHECK(c.done.count("d\n\xff") == 1);
  CHECK(c.position == "30 with spaces");
  CHECK(c.state.at("k") == "v2");
  CHECK(replay.commits == 3);
  CHECK(replay.valid_bytes == built.bytes.size());
  CHECK(replay.torn_bytes == 0);
}

using testing::JournalRecord;

TEST_CASE("DONES records split at their size target and carry ids of any length") {
  std::vector<std::string> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back("id-" + std::to_string(i));
  ids.push_back(std::string(journal_format::kDonesPayloadTarget + 10, 'L'));  // alone in one
  ids.push_back("");
  std::vector<std::string_view> views(ids.begin(), ids.end());
  Checkpoint expected = Base();
  std::string journal;
  AppendJournalHeader(&journal, 7);
  const size_t header_end = journal.size();
  AppendJournalDones(&journal, views);
  size_t records = 0;
  for (size_t at = header_end; at < journal.size(); ++records) {
    CHECK(journal[at + journal_format::kTypeOffset] ==
          static_cast<char>(journal_format::RecordType::kDones));
    uint64_t length = DecodeFixed32(&journal[at + journal_format::kLengthOffset]);
    CHECK(length <= journal_format::kDonesPayloadTarget + 14);
    at += journal_format::kRecordHeaderBytes + length;
  }
  CHECK(records >= 5);  // 20000 ids of ~11 bytes: over 4 targets of 64 KiB
  for (const std::string& id : ids) expected.done.insert(id);
  expected.records = ids.size() + 1;
  AppendJournalCommit(&journal, expected);
  Checkpoint c = Base();
  JournalReplay replay;
  Status status = ReplayJournal(journal, 7, &c, &replay);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(c.done == expected.done);
  CHECK(replay.records == ids.size());
}

TEST_CASE("A DONES record whose ids do not fill it exactly is corruption, not a torn tail") {
  std::string id_overruns = std::string("\x05\0\0\0", 4) + "abc";
  std::string short_length = std::string("\x01\0\0\0", 4) + "a" + std::string("\x01\0", 2);
  for (const std::string& payload : {id_overruns, short_length}) {
    std::string journal;
    AppendJournalHeader(&journal, 7);
    journal += JournalRecord(journal_format::RecordType::kDones, payload);
    Checkpoint c = Base();
    AppendJournalCommit(&journal, c);
    JournalReplay replay;
    Status status = ReplayJournal(journal, 7, &c, &replay);
    REQUIRE_FALSE(status.ok());
    CHECK(status.message().find("malformed DONES record") != std::string::npos);
    CHECK(status.IsCorruption());
    CHECK(c == Base());
  }
}

TEST_CASE("A version 1 journal is still read; a newer version is refused by name") {
  // Version 1 as earlier releases wrote it: DONE records only.
  auto header = [](uint32_t version) {
    std::string payload(journal_format::kMagic, sizeof journal_format::kMagic);
    PutFixed32(&payload, version);
    PutFixed64(&payload, 7);
    return JournalRecord(journal_format::RecordType::kHeader, payload);
  };
  Checkpoint expected = Base();
  expected.done.insert("v1-id");
  std::string body;
  AppendDoneRecord(&body, "v1-id");
  AppendJournalCommit(&body, expected);
  Checkpoint c = Base();
  JournalReplay replay;
  Status status = ReplayJournal(header(1) + body, 7, &c, &replay);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(c == expected);
  for (uint32_t version : {0u, journal_format::kVersion + 1}) {
    c = Base();
    status = ReplayJournal(header(version) + body, 7, &c, &replay);
    REQUIRE_FALSE(status.ok());
    CHECK(status.message().find("journal format version " + std::to_string(version) +
                                ": this ckwrap reads versions 1 to 3") != std::string::npos);
  }
}

TEST_CASE("A version 2 journal's FAIL records fold into one entry per id with a count") {
  // FAIL as releases before the count wrote it: one record per FAIL line.
  auto fail = [](std::string_view id, std::string_view reason) {
    std::string payload;
    PutFixed32(&payload, static_cast<uint32_t>(id.size()));
    payload.append(id);
    payload.append(reason);
    return JournalRecord(journal_format::RecordType::kFail, payload);
  };
  std::string payload(journal_format::kMagic, sizeof journal_format::kMagic);
  PutFixed32(&payload, 2);
  PutFixed64(&payload, 7);
  std::string journal = JournalRecord(journal_format::RecordType::kHeader, payload);
  journal += fail("item-3", "bad row") + fail("item-3", "still bad") + fail("item-4", "");
  AppendJournalCommit(&journal, Base());
  Checkpoint c = Base();
  JournalReplay replay;
  Status status = ReplayJournal(journal, 7, &c, &replay);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(c.failures == FailureList{{"item-3", "still bad", 2}, {"item-4", "", 1}});
}

TEST_CASE("A FAIL_COUNT record sets its id's entry; a count of 0 is refused") {
  std::string journal;
  AppendJournalHeader(&journal, 7);
  AppendJournalFail(&journal, Failure{"item-3", "bad row", 1785});
  AppendJournalCommit(&journal, Base());
  Checkpoint c = Base();
  c.failures.Record("item-3", "old");
  JournalReplay replay;
  REQUIRE(ReplayJournal(journal, 7, &c, &replay).ok());
  CHECK(c.failures == FailureList{{"item-3", "bad row", 1785}});

  std::string zero;
  AppendJournalHeader(&zero, 7);
  AppendJournalFail(&zero, Failure{"item-3", "bad row", 0});
  AppendJournalCommit(&zero, Base());
  c = Base();
  Status status = ReplayJournal(zero, 7, &c, &replay);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("FAIL_COUNT record with count 0") != std::string::npos);
}

TEST_CASE("An empty journal and a header-only journal change nothing") {
  Built built = Build(Base());
  for (size_t size : {size_t{0}, built.ends[0]}) {
    Checkpoint c = Base();
    JournalReplay replay;
    REQUIRE(ReplayJournal(std::string_view(built.bytes).substr(0, size), 7, &c, &replay).ok());
    CHECK(c == Base());
    CHECK(replay.commits == 0);
  }
}

TEST_CASE("A journal of another generation or without a header is rejected") {
  Built built = Build(Base());
  Checkpoint c = Base();
  JournalReplay replay;
  Status status = ReplayJournal(built.bytes, 8, &c, &replay);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("generation 7") != std::string::npos);
  std::string headless = built.bytes.substr(built.ends[0]);
  CHECK_FALSE(ReplayJournal(headless, 7, &c, &replay).ok());
}

TEST_CASE("A torn tail at every truncation length keeps exactly the whole commits") {
  Built built = Build(Base());
  for (size_t size = 0; size <= built.bytes.size(); ++size) {
    CAPTURE(size);
    size_t whole = 0;  // commits wholly inside the prefix
    while (whole + 1 < built.ends.size() && built.ends[whole + 1] <= size) ++whole;
    Checkpoint c = Base();
    JournalReplay replay;
    Status status = ReplayJournal(std::string_view(built.bytes).substr(0, size), 7, &c, &replay);
    REQUIRE_MESSAGE(status.ok(), status.message());
    CHECK(c == built.states[whole]);
    CHECK(replay.commits == whole);
    size_t valid = size < built.ends[0] ? 0 : built.ends[whole];
    CHECK(replay.valid_bytes == valid);
    CHECK(replay.torn_bytes == size - valid);
  }
}

TEST_CASE("Every single-bit flip is detected: an error, or the last commit dropped as torn") {
  Built built = Build(Base());
  const size_t last_commit_start = built.ends[built.ends.size() - 2];
  REQUIRE(built.last_commit_record > last_commit_start);
  for (size_t flip = 0; flip < built.bytes.size() * 8; ++flip) {
    const size_t i = flip / 8;
    CAPTURE(i);
    CAPTURE(flip % 8);
    std::string bytes = built.bytes;
    bytes[i] = static_cast<char>(bytes[i] ^ (1 << (flip % 8)));
    Checkpoint c = Base();
    JournalReplay replay;
    Status status = ReplayJournal(bytes, 7, &c, &replay);
    if (i < built.last_commit_record) {
      // Damage before a COMMIT record that verifies: never skipped into later data.
      REQUIRE_FALSE(status.ok());
      CHECK(status.message().find("corrupt record at offset") != std::string::npos);
      CHECK(replay.valid_bytes <= i);
    } else {
      // Damage in the last COMMIT record is indistinguishable from a torn last
      // write: the state before that commit, never wrong data.
      REQUIRE_MESSAGE(status.ok(), status.message());
      CHECK(c == built.states[built.states.size() - 2]);
      CHECK(replay.torn_bytes == built.bytes.size() - last_commit_start);
    }
  }
}

TEST_CASE("A snapshot encoded with the done ids apart equals the whole encoding") {
  Checkpoint whole = Build(Base()).states.back();
  Checkpoint rest = whole;
  DoneSet done = std::move(rest.done);
  rest.done = {"ignored"};
  std::string apart = SnapshotBytes(rest, done);
  Checkpoint decoded;
  Status status = DecodeCheckpoint(apart, &decoded);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(decoded == whole);
  CHECK(apart.size() == SnapshotBytes(whole).size());
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
