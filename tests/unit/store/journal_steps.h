// One commit's worth of protocol effects for the journal tests: applied to
// the in-memory checkpoint and encoded as journal records the way the
// supervisor does (journal_test.cc: the format; journal_recovery_test.cc: the
// store's generations).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "store/checkpoint.h"
#include "store/encoding_test_util.h"
#include "store/journal_writer.h"

namespace ckwrap::testing {

// One commit's worth of protocol effects, applied to the in-memory checkpoint
// and encoded as journal records the way the supervisor does.
struct Step {
  std::vector<std::string> done;
  std::vector<Failure> failures;
  std::vector<std::pair<std::string, std::string>> state;
  std::string position;
  bool one_record_per_id = false;  // DONE records, as earlier releases wrote; else DONES
};

inline void Apply(const Step& step, Checkpoint* c, std::string* journal,
                  size_t* commit_record_start = nullptr) {
  std::vector<std::string_view> added;
  for (const auto& id : step.done) {
    if (c->done.insert(id)) added.push_back(id);
  }
  if (step.one_record_per_id) {
    for (std::string_view id : added) AppendDoneRecord(journal, id);
  } else {
    AppendJournalDones(journal, added);
  }
  for (const auto& f : step.failures) {
    c->failures.Record(f.id, f.reason);
    AppendJournalFail(journal, *c->failures.Find(f.id));
  }
  for (const auto& [k, v] : step.state) {
    c->state[k] = v;
    AppendJournalState(journal, k, v);
  }
  c->has_position = true;
  c->position = step.position;
  c->records += step.done.size() + step.failures.size() + step.state.size() + 1;
  c->attempts = 2;
  c->updated_unix_ms += 1000;
  c->progress_done += 1;
  c->progress_total = 99;
  if (commit_record_start != nullptr) *commit_record_start = journal->size();
  AppendJournalCommit(journal, *c);
}

inline std::vector<Step> Steps() {
  return {
      {{"a", "b b", ""}, {{"x", "timeout"}}, {{"k", "v1"}}, "10", true},
      {{"c", "a"}, {}, {{"k", "v2"}, {"k2", ""}}, "20"},
      {{"d\n\xff"}, {{"y", ""}}, {}, "30 with spaces"},
  };
}

inline Checkpoint Base() {
  Checkpoint c;
  c.done = {"old"};
  c.command_fingerprint = 42;
  c.created_unix_ms = 5;
  return c;
}

}  // namespace ckwrap::testing
