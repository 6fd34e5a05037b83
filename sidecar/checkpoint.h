// What ckwrap knows about a job's progress: the payload of a checkpoint file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace ckwrap {

struct Failure {
  std::string id;
  std::string reason;
  bool operator==(const Failure& o) const { return id == o.id && reason == o.reason; }
};

struct Checkpoint {
  // The last CKPT position, verbatim; handed back as --resume-from.
  bool has_position = false;
  std::string position;
  // DONE ids (set semantics). Kept as a hash set so a DONE costs O(1); a later
  // journal appends only the ids new since the last commit.
  std::unordered_set<std::string> done;
  std::vector<Failure> failures;
  std::map<std::string, std::string> state;
  uint64_t records = 0;   // protocol records accepted, over all attempts
  uint64_t attempts = 0;  // launches of the child
  uint64_t restarts = 0;  // relaunches after a failure
  int64_t created_unix_ms = 0;
  int64_t updated_unix_ms = 0;
  uint64_t command_fingerprint = 0;  // XXH3-64 of the command line
  bool complete = false;             // the job succeeded (or said COMPLETE)
  // Last PROGRESS record, for display only.
  uint64_t progress_done = 0;
  uint64_t progress_total = 0;

  bool operator==(const Checkpoint& o) const;
};

}  // namespace ckwrap
