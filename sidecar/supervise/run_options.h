// What a supervised run is told to do: the settings the command line
// (cli/options.cc) fills in and the supervisor's parts read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "intake/line_matcher.h"
#include "intake/protocol.h"
#include "supervise/reaper.h"
#include "supervise/restart_policy.h"

namespace ckwrap {

// When a commit's records reach the disk (--sync); see man/ckwrap.1.
enum class SyncMode { kAlways, kBatch, kNone };

// What a run does when the same command's checkpoint is complete already
// (--on-complete): kUnset means kExit, or kRerun with --incremental.
enum class OnComplete { kUnset, kExit, kRerun };

struct RunOptions {
  std::vector<std::string> command;
  std::string state_dir;  // empty: .ckwrap/NAME
  std::string name;       // empty: derived from the command
  RestartPolicy restart;
  uint64_t backoff_initial_ms = 500;
  uint64_t backoff_max_ms = 30000;
  uint64_t grace_ms = 10000;
  // After the job's main process exited on its own, how long the rest of its
  // tree may take after TERM before the relaunch KILLs it; UINT64_MAX: grace_ms.
  uint64_t relaunch_grace_ms = UINT64_MAX;
  ForwardMode forward_to = ForwardMode::kHandlers;  // who gets a forwarded signal
  std::string resume_flag = "--resume-from";
  bool resume_env_only = false;
  uint64_t max_line_bytes = kDefaultMaxLineBytes;  // 64 KiB, man/ckwrap-protocol.7
  int checkpoint_signal = 0;                       // asked of the job before stopping it (0: none)
  uint64_t checkpoint_wait_ms = 30000;
  int requeue_signal = 0;         // --requeue-on: stop, then scontrol requeue (0: none)
  uint64_t max_requeues = 3;      // requeues allowed, by SLURM_RESTART_COUNT
  uint64_t stall_timeout_ms = 0;  // 0: never
  std::string termination_log;
  std::string events_file;
  bool quiet = false;
  bool verbose = false;
  bool log_json = false;                // --log-format json
  uint64_t status_interval_ms = 30000;  // plain status line when stderr is no terminal; 0: none
  std::string shim;                     // --shim LANG: print the shim's path and exit
  SyncMode sync = SyncMode::kBatch;
  // batch/none: a commit starts at least this long after the previous one
  // started, unless something waits for it (SYNC, the run's end, a stop).
  uint64_t commit_interval_ms = 10;
  // Channels besides fd 3 (man/ckwrap-protocol.7, CHANNELS).
  std::string protocol_on;  // "", "stdout" or "stderr": records behind protocol_prefix
  std::string protocol_prefix = "@ckwrap ";
  std::vector<MatchRule> matches;    // --match*, tried on stdout, stderr and the progress file
  std::string progress_file;         // --progress-file
  bool watch = false;                // ckwrap watch: no child, the progress file only
  std::vector<std::string> outputs;  // --output: truncated back to the checkpoint on resume
  std::vector<std::string> inputs;   // --input: fingerprinted, checked on resume
  bool resume_anyway = false;        // resume despite a changed command or input
  bool incremental = false;          // keep the DONE set after success
  // --replicate s3://BUCKET/PREFIX: snapshots and journal pieces uploaded
  // there (store/replica_names.h); empty: none.
  std::string replicate;
  uint64_t replicate_interval_ms = 5000;  // journal pieces at most this often
  // Reading the job pauses while more than this waits to be uploaded.
  uint64_t replicate_max_pending_bytes = 64 << 20;
  // How long the run's end waits for its last uploads before ckwrap exits.
  uint64_t replicate_final_wait_ms = 20000;
  OnComplete on_complete = OnComplete::kUnset;
  bool help = false;
  bool version = false;
};

}  // namespace ckwrap
