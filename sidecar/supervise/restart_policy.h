// What happens after a run of the job ends: relaunch, or stop with which exit
// status. Pure logic, so every rule of the exit-status contract is unit-tested.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/exit_codes.h"

namespace ckwrap {

enum class RestartMode { kOnFailure, kAlways, kNever };

struct RestartPolicy {
  RestartMode mode = RestartMode::kOnFailure;
  // Relaunches allowed since the last run that advanced the checkpoint.
  uint64_t max_restarts = std::numeric_limits<uint64_t>::max();
  // Consecutive runs that committed nothing new before giving up (0: never).
  uint64_t no_progress_limit = 5;
  std::vector<int> no_restart_codes;  // exit codes that mean "do not retry"
};

struct RunOutcome {
  int exit_code = 0;  // the shell's convention: 128+N for signal N
  bool killed_by_sigint = false;
  bool progressed = false;      // the run advanced the checkpoint
  bool stalled = false;         // killed by ckwrap after --stall-timeout
  bool stop_requested = false;  // ckwrap was told to stop (SIGTERM/SIGINT)
  bool job_complete = false;    // the job sent COMPLETE
};

struct Verdict {
  enum Kind { kRelaunch, kSucceeded, kStopped } kind = kStopped;
  int exit_code = 0;    // when not relaunching
  bool retire = false;  // mark the checkpoint complete (next run starts fresh)
  std::string reason;   // for the log and the termination message
};

class RestartTracker {
 public:
  explicit RestartTracker(RestartPolicy policy) : policy_(std::move(policy)) {}

  Verdict OnRunEnded(const RunOutcome& outcome);

  uint64_t runs_without_progress() const { return runs_without_progress_; }
  bool progressed_last_run() const { return progressed_last_run_; }

 private:
  RestartPolicy policy_;
  uint64_t restarts_since_progress_ = 0;
  uint64_t runs_without_progress_ = 0;
  bool progressed_last_run_ = false;
};

// Parses "on-failure", "always" or "never".
bool ParseRestartMode(const std::string& text, RestartMode* mode);
// Parses a comma-separated list of exit codes 0-255, e.g. "2,3,64".
bool ParseExitCodes(const std::string& text, std::vector<int>* codes);

}  // namespace ckwrap
