// The `ckwrap [OPTIONS] -- COMMAND [ARG...]` command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/exit_codes.h"
#include "base/status.h"
#include "cli/flags.h"
#include "intake/line_matcher.h"
#include "supervise/reaper.h"
#include "supervise/restart_policy.h"

namespace ckwrap {

// When a commit's records reach the disk (--sync); see man/ckwrap.1.
enum class SyncMode { kAlways, kBatch, kNone };

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
  uint64_t max_line_bytes = 64 * 1024;
  int checkpoint_signal = 0;  // asked of the job before stopping it (0: none)
  uint64_t checkpoint_wait_ms = 30000;
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
  bool help = false;
  bool version = false;
};

// ckwrap's options: one row each (flag, CKWRAP_* variable, metavar, default,
// help, setter), from which both the parser and `ckwrap --help` work.
const std::vector<Flag<RunOptions>>& RunFlags();

// Parses a duration: a number with ms, s, m or h (a bare number is seconds).
bool ParseDurationMs(const std::string& text, uint64_t* ms);

// Options come from CKWRAP_* environment variables first, then argv[first..].
// allow_no_command: for `ckwrap watch`, whose trailing words are not a command.
Status ParseRunOptions(const std::vector<std::string>& args, RunOptions* out,
                       bool allow_no_command = false);

// `ckwrap --help`: the subcommands and RunFlags().
std::string RunUsage();

// The state directory the options name: --state-dir, else .ckwrap/NAME where
// NAME is --name or the command's base name plus a hash of the whole command
// line, so the same command finds its progress and another command does not.
std::string ResolveStateDir(const RunOptions& options);

// XXH3-64 of the command line (arguments separated by NUL).
uint64_t CommandFingerprint(const std::vector<std::string>& command);

}  // namespace ckwrap
