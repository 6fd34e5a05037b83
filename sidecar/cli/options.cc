#include "cli/options.h"

#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/option_values.h"
#include "cli/replicate_flags.h"
#include "cli/shim_path.h"

namespace ckwrap {
namespace {

using RunFlag = Flag<RunOptions>;
using Setter = decltype(RunFlag::set);

// Generic setters for fields that take any value of their type.

Setter Text(std::string RunOptions::*field) {
  return [field](const std::string&, const std::string& value, RunOptions* out) {
    out->*field = value;
    return Status::Ok();
  };
}

Setter Enable(bool RunOptions::*field) {
  return [field](const std::string&, const std::string&, RunOptions* out) {
    out->*field = true;
    return Status::Ok();
  };
}

}  // namespace

Setter Duration(uint64_t RunOptions::*field) {
  return [field](const std::string& flag, const std::string& value, RunOptions* out) {
    return ParseDurationMs(value, &(out->*field))
               ? Status::Ok()
               : BadValue(flag, value, "a duration like 500ms, 10s, 2m or 1h");
  };
}

namespace {

Setter RestartCount(uint64_t RestartPolicy::*field, const char* want) {
  return [field, want](const std::string& flag, const std::string& value, RunOptions* out) {
    return ParseUnsigned(value, &(out->restart.*field)) ? Status::Ok()
                                                        : BadValue(flag, value, want);
  };
}

// A path ckwrap opens as a file: a name ending in '/' is a directory's.
bool IsFilePath(const std::string& value) { return !value.empty() && value.back() != '/'; }

Setter FilePath(std::string RunOptions::*field) {
  return [field](const std::string& flag, const std::string& value, RunOptions* out) {
    if (!IsFilePath(value)) return BadValue(flag, value, "a file path");
    out->*field = value;
    return Status::Ok();
  };
}

Setter AddFilePath(std::vector<std::string> RunOptions::*field) {
  return [field](const std::string& flag, const std::string& value, RunOptions* out) {
    if (!IsFilePath(value)) return BadValue(flag, value, "a file path");
    (out->*field).push_back(value);
    return Status::Ok();
  };
}

// --output: the job learns its outputs one a line (CKWRAP_OUTPUTS).
Status AddOutputPath(const std::string& flag, const std::string& value, RunOptions* out) {
  if (!IsFilePath(value) || value.find('\n') != std::string::npos) {
    return BadValue(flag, value, "a file path without a newline");
  }
  out->outputs.push_back(value);
  return Status::Ok();
}

Setter AddMatch(MatchVerb verb) {
  return [verb](const std::string& flag, const std::string& value, RunOptions* out) {
    MatchRule rule{verb, value, flag};
    std::unique_ptr<LineMatcher> check;
    Status status = LineMatcher::Compile({rule}, &check);  // a bad regex is bad usage
    if (status.ok()) out->matches.push_back(std::move(rule));
    return status;
  };
}

// Named setters for the fields whose values are checked on their own terms.

Status SetName(const std::string& flag, const std::string& value, RunOptions* out) {
  if (value.empty() || value.find('/') != std::string::npos || value == "." || value == "..") {
    return BadValue(flag, value, "a non-empty name without '/'");
  }
  out->name = value;
  return Status::Ok();
}

Status SetRestartMode(const std::string& flag, const std::string& value, RunOptions* out) {
  return ParseRestartMode(value, &out->restart.mode)
             ? Status::Ok()
             : BadValue(flag, value, "on-failure, always or never");
}

Status SetNoRestartOn(const std::string& flag, const std::string& value, RunOptions* out) {
  return ParseExitCodes(value, &out->restart.no_restart_codes)
             ? Status::Ok()
             : BadValue(flag, value, "exit codes 0-255 separated by commas");
}

Status SetCheckpointSignal(const std::string& flag, const std::string& value, RunOptions* out) {
  return ParseSignal(value, &out->checkpoint_signal)
             ? Status::Ok()
             : BadValue(flag, value, "a signal name like USR1 or a number");
}

Status SetRequeueOn(const std::string& flag, const std::string& value, RunOptions* out) {
  // The signals ckwrap's loop catches besides the stop signals.
  int signum = 0;
  if (!ParseSignal(value, &signum) ||
      (signum != SIGUSR1 && signum != SIGUSR2 && signum != SIGHUP && signum != SIGQUIT)) {
    return BadValue(flag, value, "USR1, USR2, HUP or QUIT");
  }
  out->requeue_signal = signum;
  return Status::Ok();
}

Status SetMaxRequeues(const std::string& flag, const std::string& value, RunOptions* out) {
  return ParseUnsigned(value, &out->max_requeues) ? Status::Ok()
                                                  : BadValue(flag, value, "a whole number");
}

Status SetBackoff(const std::string& flag, const std::string& value, RunOptions* out) {
  size_t colon = value.find(':');
  std::string initial = value.substr(0, colon);
  uint64_t max_ms = out->backoff_max_ms;
  if (!ParseDurationMs(initial, &out->backoff_initial_ms) ||
      (colon != std::string::npos && !ParseDurationMs(value.substr(colon + 1), &max_ms))) {
    return BadValue(flag, value, "a duration like 500ms or INITIAL:MAX like 1s:2m");
  }
  out->backoff_max_ms = std::max(max_ms, out->backoff_initial_ms);
  return Status::Ok();
}

Status SetResumeFlag(const std::string& flag, const std::string& value, RunOptions* out) {
  if (value.empty()) return BadValue(flag, value, "a non-empty flag");
  out->resume_flag = value;
  return Status::Ok();
}

Status SetMaxLineBytes(const std::string& flag, const std::string& value, RunOptions* out) {
  uint64_t n = 0;
  if (!ParseUnsigned(value, &n) || n < 16 || n > (64u << 20)) {
    return BadValue(flag, value, "a number of bytes from 16 to 67108864");
  }
  out->max_line_bytes = n;
  return Status::Ok();
}

Status SetSync(const std::string& flag, const std::string& value, RunOptions* out) {
  static const std::map<std::string, SyncMode> kModes = {
      {"always", SyncMode::kAlways}, {"batch", SyncMode::kBatch}, {"none", SyncMode::kNone}};
  auto found = kModes.find(value);
  if (found == kModes.end()) return BadValue(flag, value, "always, batch or none");
  out->sync = found->second;
  return Status::Ok();
}

Status SetForwardTo(const std::string& flag, const std::string& value, RunOptions* out) {
  static const std::map<std::string, ForwardMode> kModes = {{"handlers", ForwardMode::kHandlers},
                                                            {"main", ForwardMode::kMain},
                                                            {"group", ForwardMode::kGroup}};
  auto found = kModes.find(value);
  if (found == kModes.end()) return BadValue(flag, value, "handlers, main or group");
  out->forward_to = found->second;
  return Status::Ok();
}

Status SetProtocolOn(const std::string& flag, const std::string& value, RunOptions* out) {
  if (value != "stdout" && value != "stderr") return BadValue(flag, value, "stdout or stderr");
  out->protocol_on = value;
  return Status::Ok();
}

Status SetProtocolPrefix(const std::string& flag, const std::string& value, RunOptions* out) {
  if (value.empty() || value.find('\n') != std::string::npos || value.size() > 256) {
    return BadValue(flag, value, "1 to 256 bytes without a newline");
  }
  out->protocol_prefix = value;
  return Status::Ok();
}

Status SetLogFormat(const std::string& flag, const std::string& value, RunOptions* out) {
  if (value != "text" && value != "json") return BadValue(flag, value, "text or json");
  out->log_json = value == "json";
  return Status::Ok();
}

Status SetOnComplete(const std::string& flag, const std::string& value, RunOptions* out) {
  if (value != "exit" && value != "rerun") return BadValue(flag, value, "exit or rerun");
  out->on_complete = value == "exit" ? OnComplete::kExit : OnComplete::kRerun;
  return Status::Ok();
}

Status SetShim(const std::string& flag, const std::string& value, RunOptions* out) {
  if (!IsShimLanguage(value)) return BadValue(flag, value, "sh, python or c");
  out->shim = value;
  return Status::Ok();
}

}  // namespace

// ckwrap's options, in the order --help lists them (and the environment is
// read in). The columns: flag, variable, metavar (nullptr: no value), the
// default --help shows, the help text, the setter.
const std::vector<Flag<RunOptions>>& RunFlags() {
  static const std::vector<RunFlag> flags = WithReplicateFlags({
      {"--state-dir", "CKWRAP_STATE_DIR", "DIR", ".ckwrap/NAME", "where checkpoints live",
       Text(&RunOptions::state_dir)},
      {"--name", "CKWRAP_NAME", "NAME", nullptr, "name the job's state directory .ckwrap/NAME",
       SetName},
      {"--restart", "CKWRAP_RESTART", "MODE", "on-failure",
       "on-failure, always (also after exit 0, until the job sends COMPLETE) or never",
       SetRestartMode},
      {"--max-restarts", "CKWRAP_MAX_RESTARTS", "N", "unlimited",
       "relaunches allowed since the last run that advanced the checkpoint; then exit with the "
       "job's status",
       RestartCount(&RestartPolicy::max_restarts, "a whole number")},
      {"--no-progress-limit", "CKWRAP_NO_PROGRESS_LIMIT", "K", "5; 0 = never",
       "give up with status 76 after K runs in a row that committed nothing new",
       RestartCount(&RestartPolicy::no_progress_limit, "a whole number (0: no limit)")},
      {"--no-restart-on", "CKWRAP_NO_RESTART_ON", "CODES", nullptr,
       "exit statuses that mean \"do not retry\", e.g. 2,64", SetNoRestartOn},
      {"--stall-timeout", "CKWRAP_STALL_TIMEOUT", "D", "0 = never",
       "a job that sends no record for D is hung: it is stopped and relaunched, as a run without "
       "progress",
       Duration(&RunOptions::stall_timeout_ms)},
      {"--backoff", "CKWRAP_BACKOFF", "D[:MAX]", "500ms:30s; 0 = none",
       "first delay before a relaunch, doubling up to MAX, with jitter", SetBackoff},
      {"--grace", "CKWRAP_GRACE", "D", "10s",
       "on a stop, how long every process of the job may take to exit after TERM "
       "before SIGKILL",
       Duration(&RunOptions::grace_ms)},
      {"--relaunch-grace", "CKWRAP_RELAUNCH_GRACE", "D", "--grace",
       "when the job's main process ends, how long what it left running may take "
       "after TERM before SIGKILL and the relaunch",
       Duration(&RunOptions::relaunch_grace_ms)},
      {"--forward-to", "CKWRAP_FORWARD_TO", "MODE", "handlers",
       "who gets HUP, QUIT, USR1, USR2, WINCH and the checkpoint signal: handlers "
       "(each process of the job that handles it), main (its main process) or group",
       SetForwardTo},
      {"--checkpoint-signal", "CKWRAP_CHECKPOINT_SIGNAL", "SIG", nullptr,
       "before stopping the job, send it SIG (e.g. USR1) and wait up to --checkpoint-wait for a "
       "new checkpoint",
       SetCheckpointSignal},
      {"--checkpoint-wait", "CKWRAP_CHECKPOINT_WAIT", "D", "30s",
       "how long to wait for the checkpoint --checkpoint-signal asks for",
       Duration(&RunOptions::checkpoint_wait_ms)},
      {"--requeue-on", "CKWRAP_REQUEUE_ON", "SIG", nullptr,
       "in a Slurm batch job: on SIG (e.g. USR1 from #SBATCH --signal=B:USR1@T) stop the job as "
       "on TERM, then requeue it with scontrol requeue and exit 75",
       SetRequeueOn},
      {"--max-requeues", "CKWRAP_MAX_REQUEUES", "N", "3",
       "with --requeue-on: requeues allowed, counted by SLURM_RESTART_COUNT; beyond, exit 75 "
       "without requeue",
       SetMaxRequeues},
      {"--termination-log", "CKWRAP_TERMINATION_LOG", "FILE", nullptr,
       "write a one-line summary to FILE at exit, e.g. /dev/termination-log",
       Text(&RunOptions::termination_log)},
      {"--events", "CKWRAP_EVENTS", "FILE", nullptr, "append one JSON line per event to FILE",
       Text(&RunOptions::events_file)},
      {"--resume-flag", "CKWRAP_RESUME_FLAG", "FLAG", "--resume-from",
       "flag placed before the position; an argument containing {} gets the position in place "
       "of {} instead",
       SetResumeFlag},
      {"--resume-env-only", "CKWRAP_RESUME_ENV_ONLY", nullptr, nullptr,
       "pass the position only as CKWRAP_RESUME_FROM", Enable(&RunOptions::resume_env_only)},
      {"--max-line-bytes", "CKWRAP_MAX_LINE_BYTES", "N", "65536", "longest protocol line accepted",
       SetMaxLineBytes},
      {"--sync", "CKWRAP_SYNC", "MODE", "batch",
       "when records reach the disk: always = each read is durable before the next read; batch = "
       "group commit, one fdatasync per commit; none = no fdatasync (survives crashes, not power "
       "loss)",
       SetSync},
      {"--commit-interval", "CKWRAP_COMMIT_INTERVAL", "DURATION", "10ms; 0: no wait",
       "with batch or none, start a commit at most every DURATION unless the job waits on it",
       Duration(&RunOptions::commit_interval_ms)},
      {"--protocol-on", "CKWRAP_PROTOCOL_ON", "STREAM", nullptr,
       "also read records from the job's stdout or stderr: lines starting with the prefix are "
       "consumed, the rest passes through",
       SetProtocolOn},
      {"--protocol-prefix", "CKWRAP_PROTOCOL_PREFIX", "P", "\"@ckwrap \"",
       "the prefix of those lines", SetProtocolPrefix},
      {"--match", "CKWRAP_MATCH", "REGEX", nullptr,
       "a line of the job's stdout, stderr or progress file matching this POSIX extended regex "
       "is a CKPT of its first group; repeatable",
       AddMatch(MatchVerb::kCkpt)},
      {"--match-done", "CKWRAP_MATCH_DONE", "REGEX", nullptr,
       "the same, making a DONE of the first group", AddMatch(MatchVerb::kDone)},
      {"--match-progress", "CKWRAP_MATCH_PROGRESS", "REGEX", nullptr,
       "the same, making a PROGRESS of the first group and the second, if any, as the total",
       AddMatch(MatchVerb::kProgress)},
      {"--progress-file", "CKWRAP_PROGRESS_FILE", "PATH", nullptr,
       "also read records from lines appended to PATH, following rotation",
       FilePath(&RunOptions::progress_file)},
      {"--output", "CKWRAP_OUTPUT", "FILE", nullptr,
       "a file the job appends to: its size is recorded with each CKPT/DONE, and a relaunch or "
       "resumed run truncates it back to the last commit; repeatable",
       AddOutputPath},
      {"--input", "CKWRAP_INPUT", "FILE", nullptr,
       "fingerprint FILE (size, mtime, hash); a resume against a changed input is refused; "
       "repeatable",
       AddFilePath(&RunOptions::inputs)},
      {"--resume-anyway", "CKWRAP_RESUME_ANYWAY", nullptr, nullptr,
       "resume despite a changed command line or input", Enable(&RunOptions::resume_anyway)},
      {"--incremental", "CKWRAP_INCREMENTAL", nullptr, nullptr,
       "keep the DONE set after success: the next run skips the ids already done",
       Enable(&RunOptions::incremental)},
      {"--on-complete", "CKWRAP_ON_COMPLETE", "WHAT", "exit; rerun with --incremental",
       "when the same command's checkpoint is complete already: exit (say so, run nothing, exit "
       "0) or rerun (start it again)",
       SetOnComplete},
      {"--quiet", "CKWRAP_QUIET", nullptr, nullptr, "no messages of ckwrap's own but errors",
       Enable(&RunOptions::quiet)},
      {"--verbose", "CKWRAP_VERBOSE", nullptr, nullptr, "also each launch's command line",
       Enable(&RunOptions::verbose)},
      {"--log-format", "CKWRAP_LOG_FORMAT", "FORMAT", "text",
       "text or json: one JSON object per message", SetLogFormat},
      {"--status-interval", "CKWRAP_STATUS_INTERVAL", "DURATION", "30s; 0: none",
       "when stderr is not a terminal, a plain status line every DURATION and one per restart; "
       "on a terminal a live line instead",
       Duration(&RunOptions::status_interval_ms)},
      {"--shim", nullptr, "LANG", nullptr,
       "print the path of the shim for LANG (sh, python or c) and exit; a shell job sources the "
       "sh one",
       SetShim},
      {"--version", nullptr, nullptr, nullptr, "print ckwrap's version and exit",
       Enable(&RunOptions::version)},
  });
  return flags;
}

Status ParseRunOptions(const std::vector<std::string>& args, RunOptions* out,
                       bool allow_no_command) {
  Status status = ApplyEnvironment(RunFlags(), out);
  if (!status.ok()) return status;
  // A command's own flags follow it; watch has none, so its STATE_DIR may
  // stand among the options like any subcommand's operand.
  ParsedArgs parsed;
  status = ParseFlags(RunFlags(), args,
                      allow_no_command ? Operands::kAnywhere : Operands::kEndFlags, out, &parsed);
  if (!status.ok()) return status;
  out->help = out->help || parsed.help;
  out->command = std::move(parsed.operands);
  if (out->command.empty() && !out->help && !out->version && out->shim.empty() &&
      !allow_no_command) {
    return Status::Error("no command given");
  }
  return Status::Ok();
}

std::string RunUsage() {
  std::string usage = "usage: ckwrap [OPTIONS] [--] COMMAND [ARG...]\n";
  for (const Subcommand& sub : Subcommands()) {
    usage += std::string("       ckwrap ") + sub.name + " " + sub.synopsis + "\n";
  }
  usage += R"(
Runs COMMAND, records its progress from protocol lines on fd 3 ($CKWRAP_FD) in
crash-safe checkpoints, and relaunches it with --resume-from POSITION after a
crash. Running the same command again resumes where it stopped; once it has
completed, it does nothing and exits 0 (see --on-complete).

Subcommands (each with its own --help):
)";
  for (const Subcommand& sub : Subcommands()) usage += HelpEntry(sub.name, sub.summary);
  usage += "\nOptions (each also settable as the CKWRAP_* variable shown):\n";
  usage += FlagsHelp(RunFlags());
  return usage + R"(
Durations: 500ms, 10s, 2m, 1h (a bare number is seconds).
Exit status: 0 the job succeeded (or had already); 75 stopped by
SIGTERM/SIGINT (resumable); 76 gave up, no progress; 130 the job died of a
terminal's SIGINT (resumable); otherwise the job's own status (128+N if it died
of signal N) when it is not relaunched; 125 ckwrap's own error; 126 command not
executable; 127 command not found.
)";
}

}  // namespace ckwrap
