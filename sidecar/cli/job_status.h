// What `ckwrap status` knows about one state directory: its newest verified
// checkpoint (read exactly as a resuming run would), whether a supervisor
// holds its lock, and how the last supervisor ended. Shared by the one-job
// report, the .ckwrap/ listing and the view of many shards.
#pragma once

#include <cstdint>
#include <string>

#include "base/json_writer.h"
#include "store/checkpoint.h"
#include "store/replica_status.h"

namespace ckwrap {

struct JobStatus {
  std::string dir;
  bool found = false;  // a verified checkpoint exists
  std::string damage;  // checkpoint files exist and none verifies: why
  Checkpoint checkpoint;
  int supervisor_pid = 0;
  int last_exit = -1;  // STATE_DIR/last_exit, -1 when none
  int64_t now_ms = 0;
  // --replicate: what the uploader last wrote (STATE_DIR/replica), and what
  // the local checkpoint holds that the bucket lacks, measured now.
  bool has_replica = false;
  ReplicaStatus replica;
  uint64_t replica_pending_bytes = 0;
  int64_t ReplicaLagMs() const;  // local last commit - last commit uploaded; 0 when none pending

  // damaged, running, complete, stuck (the last run gave up with 76),
  // stopped or new: man/ckwrap.1, ckwrap status.
  std::string State() const;
  int64_t AgeMs() const;
  // Items (PROGRESS count, else DONE ids) per second from the checkpoint's
  // creation to its last commit; negative when unknown.
  double Rate() const;
  // Seconds to go: 0 when complete; for a running job with a PROGRESS total,
  // what is left at Rate(); -1 otherwise (a stopped job does not finish).
  int64_t EtaSeconds() const;
};

// A job whose files do not verify is reported as damaged, not left out: the
// message goes to stderr, and the job into the text and the JSON.
void LoadStatus(const std::string& dir, JobStatus* out);

// The job as one JSON object (man/ckwrap.1 lists the fields).
void WriteJobJson(const JobStatus& s, JsonWriter* json);

// "3s", "4m10s", "2h05m", "3d4h": an age a person reads at a glance; "-"
// when negative (unknown).
std::string HumanAge(int64_t ms);

}  // namespace ckwrap
