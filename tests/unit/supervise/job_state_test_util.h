// Helpers of the JobState tests (job_state_test.cc: records and progress;
// job_state_commit_test.cc: commits, backpressure, acknowledgements).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "intake/protocol.h"
#include "store/journal_reader.h"
#include "store/journal_writer.h"
#include "supervise/job_state.h"

namespace ckwrap::testing {

// Parses line (a literal: the record's views point into it) and applies it.
inline void Feed(JobState& state, std::string_view line) {
  Record record{};
  std::string error;
  INFO("line: ", std::string(line));
  REQUIRE_MESSAGE(ParseRecord(line, &record, &error), error);
  state.Apply(record);
}

// What a journal commit's bytes replay to on top of an empty checkpoint: the
// records that commit journaled, and nothing from earlier commits.
inline Checkpoint Replayed(const CommitRequest& request) {
  REQUIRE_FALSE(request.snapshot);
  std::string bytes;
  AppendJournalHeader(&bytes, 1);
  bytes += request.journal_bytes;
  Checkpoint replayed;
  JournalReplay replay;
  Status status = ReplayJournal(bytes, 1, &replayed, &replay);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(replay.commits == 1);
  CHECK(replay.torn_bytes == 0);
  return replayed;
}

// A checkpoint at position, to resume from.
inline Checkpoint ResumedAt(const std::string& position) {
  Checkpoint resumed;
  resumed.has_position = true;
  resumed.position = position;
  return resumed;
}

}  // namespace ckwrap::testing
