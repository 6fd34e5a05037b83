#include "cli/options.h"

#include <xxhash.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>

#include "cli/shim_path.h"

namespace ckwrap {
namespace {

bool ParseUnsigned(const std::string& text, uint64_t* value) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long parsed = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *value = parsed;
  return true;
}

Status BadValue(const std::string& option, const std::string& value, const std::string& want) {
  return Status::Error("invalid value '" + value + "' for " + option + ": expected " + want);
}

using Setter =
    std::function<Status(const std::string& option, const std::string& value, RunOptions* out)>;

struct OptionSpec {
  const char* name;
  const char* env;  // CKWRAP_* variable, or nullptr
  bool takes_value;
  Setter set;
};

bool ParseSignal(const std::string& text, int* signum) {
  static const std::map<std::string, int> kNames = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"TERM", SIGTERM},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"ALRM", SIGALRM}, {"WINCH", SIGWINCH},
      {"CONT", SIGCONT}, {"PWR", SIGPWR},   {"XCPU", SIGXCPU}};
  std::string name = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
  auto found = kNames.find(name);
  uint64_t number = 0;
  if (found != kNames.end()) {
    *signum = found->second;
  } else if (ParseUnsigned(name, &number) && number >= 1 && number < NSIG && number != SIGKILL &&
             number != SIGSTOP) {
    *signum = static_cast<int>(number);
  } else {
    return false;
  }
  return true;
}

Status SetBackoff(const std::string& option, const std::string& value, RunOptions* out) {
  size_t colon = value.find(':');
  std::string initial = value.substr(0, colon);
  uint64_t max_ms = out->backoff_max_ms;
  if (!ParseDurationMs(initial, &out->backoff_initial_ms) ||
      (colon != std::string::npos && !ParseDurationMs(value.substr(colon + 1), &max_ms))) {
    return BadValue(option, value, "a duration like 500ms or INITIAL:MAX like 1s:2m");
  }
  out->backoff_max_ms = std::max(max_ms, out->backoff_initial_ms);
  return Status::Ok();
}

Setter AddMatch(MatchVerb verb) {
  return [verb](const std::string& option, const std::string& value, RunOptions* out) {
    MatchRule rule{verb, value, option};
    std::unique_ptr<LineMatcher> check;
    Status status = LineMatcher::Compile({rule}, &check);  // a bad regex is bad usage
    if (status.ok()) out->matches.push_back(std::move(rule));
    return status;
  };
}

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> specs = {
      {"--state-dir", "CKWRAP_STATE_DIR", true,
       [](auto&, auto& v, RunOptions* o) {
         o->state_dir = v;
         return Status::Ok();
       }},
      {"--name", "CKWRAP_NAME", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v.empty() || v.find('/') != std::string::npos || v == "." || v == "..") {
           return BadValue(opt, v, "a non-empty name without '/'");
         }
         o->name = v;
         return Status::Ok();
       }},
      {"--max-restarts", "CKWRAP_MAX_RESTARTS", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseUnsigned(v, &o->restart.max_restarts) ? Status::Ok()
                                                           : BadValue(opt, v, "a whole number");
       }},
      {"--restart", "CKWRAP_RESTART", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseRestartMode(v, &o->restart.mode)
                    ? Status::Ok()
                    : BadValue(opt, v, "on-failure, always or never");
       }},
      {"--no-progress-limit", "CKWRAP_NO_PROGRESS_LIMIT", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseUnsigned(v, &o->restart.no_progress_limit)
                    ? Status::Ok()
                    : BadValue(opt, v, "a whole number (0: no limit)");
       }},
      {"--no-restart-on", "CKWRAP_NO_RESTART_ON", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseExitCodes(v, &o->restart.no_restart_codes)
                    ? Status::Ok()
                    : BadValue(opt, v, "exit codes 0-255 separated by commas");
       }},
      {"--stall-timeout", "CKWRAP_STALL_TIMEOUT", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseDurationMs(v, &o->stall_timeout_ms)
                    ? Status::Ok()
                    : BadValue(opt, v, "a duration like 10m (0: never)");
       }},
      {"--checkpoint-signal", "CKWRAP_CHECKPOINT_SIGNAL", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseSignal(v, &o->checkpoint_signal)
                    ? Status::Ok()
                    : BadValue(opt, v, "a signal name like USR1 or a number");
       }},
      {"--checkpoint-wait", "CKWRAP_CHECKPOINT_WAIT", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseDurationMs(v, &o->checkpoint_wait_ms)
                    ? Status::Ok()
                    : BadValue(opt, v, "a duration like 30s");
       }},
      {"--termination-log", "CKWRAP_TERMINATION_LOG", true,
       [](auto&, auto& v, RunOptions* o) {
         o->termination_log = v;
         return Status::Ok();
       }},
      {"--events", "CKWRAP_EVENTS", true,
       [](auto&, auto& v, RunOptions* o) {
         o->events_file = v;
         return Status::Ok();
       }},
      {"--backoff", "CKWRAP_BACKOFF", true, SetBackoff},
      {"--grace", "CKWRAP_GRACE", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseDurationMs(v, &o->grace_ms) ? Status::Ok()
                                                 : BadValue(opt, v, "a duration like 10s");
       }},
      {"--resume-flag", "CKWRAP_RESUME_FLAG", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v.empty()) return BadValue(opt, v, "a non-empty flag");
         o->resume_flag = v;
         return Status::Ok();
       }},
      {"--resume-env-only", "CKWRAP_RESUME_ENV_ONLY", false,
       [](auto&, auto&, RunOptions* o) {
         o->resume_env_only = true;
         return Status::Ok();
       }},
      {"--max-line-bytes", "CKWRAP_MAX_LINE_BYTES", true,
       [](auto& opt, auto& v, RunOptions* o) {
         uint64_t n = 0;
         if (!ParseUnsigned(v, &n) || n < 16 || n > (64u << 20)) {
           return BadValue(opt, v, "a number of bytes from 16 to 67108864");
         }
         o->max_line_bytes = n;
         return Status::Ok();
       }},
      {"--sync", "CKWRAP_SYNC", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v == "always") {
           o->sync = SyncMode::kAlways;
         } else if (v == "batch") {
           o->sync = SyncMode::kBatch;
         } else if (v == "none") {
           o->sync = SyncMode::kNone;
         } else {
           return BadValue(opt, v, "always, batch or none");
         }
         return Status::Ok();
       }},
      {"--commit-interval", "CKWRAP_COMMIT_INTERVAL", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseDurationMs(v, &o->commit_interval_ms)
                    ? Status::Ok()
                    : BadValue(opt, v, "a duration like 10ms (0: commit as soon as possible)");
       }},
      {"--protocol-on", "CKWRAP_PROTOCOL_ON", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v != "stdout" && v != "stderr") return BadValue(opt, v, "stdout or stderr");
         o->protocol_on = v;
         return Status::Ok();
       }},
      {"--protocol-prefix", "CKWRAP_PROTOCOL_PREFIX", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v.empty() || v.find('\n') != std::string::npos || v.size() > 256) {
           return BadValue(opt, v, "1 to 256 bytes without a newline");
         }
         o->protocol_prefix = v;
         return Status::Ok();
       }},
      {"--match", "CKWRAP_MATCH", true, AddMatch(MatchVerb::kCkpt)},
      {"--match-done", "CKWRAP_MATCH_DONE", true, AddMatch(MatchVerb::kDone)},
      {"--match-progress", "CKWRAP_MATCH_PROGRESS", true, AddMatch(MatchVerb::kProgress)},
      {"--progress-file", "CKWRAP_PROGRESS_FILE", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v.empty() || v.back() == '/') return BadValue(opt, v, "a file path");
         o->progress_file = v;
         return Status::Ok();
       }},
      {"--output", "CKWRAP_OUTPUT", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v.empty() || v.back() == '/') return BadValue(opt, v, "a file path");
         o->outputs.push_back(v);
         return Status::Ok();
       }},
      {"--input", "CKWRAP_INPUT", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v.empty() || v.back() == '/') return BadValue(opt, v, "a file path");
         o->inputs.push_back(v);
         return Status::Ok();
       }},
      {"--resume-anyway", "CKWRAP_RESUME_ANYWAY", false,
       [](auto&, auto&, RunOptions* o) {
         o->resume_anyway = true;
         return Status::Ok();
       }},
      {"--incremental", "CKWRAP_INCREMENTAL", false,
       [](auto&, auto&, RunOptions* o) {
         o->incremental = true;
         return Status::Ok();
       }},
      {"--quiet", "CKWRAP_QUIET", false,
       [](auto&, auto&, RunOptions* o) {
         o->quiet = true;
         return Status::Ok();
       }},
      {"--verbose", "CKWRAP_VERBOSE", false,
       [](auto&, auto&, RunOptions* o) {
         o->verbose = true;
         return Status::Ok();
       }},
      {"--log-format", "CKWRAP_LOG_FORMAT", true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (v != "text" && v != "json") return BadValue(opt, v, "text or json");
         o->log_json = v == "json";
         return Status::Ok();
       }},
      {"--status-interval", "CKWRAP_STATUS_INTERVAL", true,
       [](auto& opt, auto& v, RunOptions* o) {
         return ParseDurationMs(v, &o->status_interval_ms)
                    ? Status::Ok()
                    : BadValue(opt, v, "a duration like 30s or 2m (0: no plain status lines)");
       }},
      {"--shim", nullptr, true,
       [](auto& opt, auto& v, RunOptions* o) {
         if (!IsShimLanguage(v)) return BadValue(opt, v, "sh, python or c");
         o->shim = v;
         return Status::Ok();
       }},
      {"--help", nullptr, false,
       [](auto&, auto&, RunOptions* o) {
         o->help = true;
         return Status::Ok();
       }},
      {"--version", nullptr, false,
       [](auto&, auto&, RunOptions* o) {
         o->version = true;
         return Status::Ok();
       }},
  };
  return specs;
}

const OptionSpec* FindSpec(const std::string& name) {
  for (const auto& spec : Specs()) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

bool IsTrue(const std::string& value) { return value == "1" || value == "true" || value == "yes"; }

Status ApplyEnvironment(RunOptions* out) {
  for (const auto& spec : Specs()) {
    if (spec.env == nullptr) continue;
    const char* value = std::getenv(spec.env);
    if (value == nullptr) continue;
    if (!spec.takes_value && !IsTrue(value)) continue;
    Status status = spec.set(spec.env, value, out);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

}  // namespace

bool ParseDurationMs(const std::string& text, uint64_t* ms) {
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  uint64_t number = 0;
  auto unit = kUnits.find(text.substr(digits));
  if (digits == 0 || digits > 12 || unit == kUnits.end() ||
      !ParseUnsigned(text.substr(0, digits), &number)) {
    return false;
  }
  *ms = number * unit->second;
  return true;
}

Status ParseRunOptions(const std::vector<std::string>& args, RunOptions* out,
                       bool allow_no_command) {
  Status status = ApplyEnvironment(out);
  if (!status.ok()) return status;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;  // the command starts here
    size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    const OptionSpec* spec = FindSpec(name);
    if (spec == nullptr) return Status::Error("unknown option " + name + " (see ckwrap --help)");
    std::string value;
    if (spec->takes_value) {
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Status::Error("option " + name + " needs a value");
      }
    } else if (eq != std::string::npos) {
      return Status::Error("option " + name + " takes no value");
    }
    status = spec->set(name, value, out);
    if (!status.ok()) return status;
  }
  out->command.assign(args.begin() + i, args.end());
  if (out->command.empty() && !out->help && !out->version && out->shim.empty() &&
      !allow_no_command) {
    return Status::Error("no command given (usage: ckwrap [OPTIONS] -- COMMAND [ARG...])");
  }
  return Status::Ok();
}

uint64_t CommandFingerprint(const std::vector<std::string>& command) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  for (const auto& arg : command) XXH3_64bits_update(state, arg.c_str(), arg.size() + 1);
  uint64_t hash = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return hash;
}

std::string ResolveStateDir(const RunOptions& options) {
  if (!options.state_dir.empty()) return options.state_dir;
  if (!options.name.empty()) return ".ckwrap/" + options.name;
  std::string base = options.command[0].substr(options.command[0].rfind('/') + 1);
  std::string safe;
  for (char c : base) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
    safe += plain ? c : '_';
  }
  if (safe.empty() || safe[0] == '.') safe = "job" + safe;
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx",
                static_cast<unsigned long long>(CommandFingerprint(options.command)));
  return ".ckwrap/" + safe.substr(0, 64) + "-" + std::string(hash, 8);
}

std::string RunUsage() {
  return R"(usage: ckwrap [OPTIONS] [--] COMMAND [ARG...]
       ckwrap watch --progress-file FILE [OPTIONS] [--state-dir] STATE_DIR
       ckwrap inspect [--json | --field NAME] FILE|STATE_DIR
       ckwrap status [STATE_DIR | --name NAME] [--json | --field F]
       ckwrap reset STATE_DIR
       ckwrap emit VERB [ARG...]
       ckwrap pending [STATE_DIR] [--field N]

Runs COMMAND, records its progress from protocol lines on fd 3 ($CKWRAP_FD) in
crash-safe checkpoints, and relaunches it with --resume-from POSITION after a
crash. Running the same command again resumes where it stopped.

Options (each also settable as the CKWRAP_* variable shown):
  --state-dir DIR       where checkpoints live (CKWRAP_STATE_DIR; default .ckwrap/NAME)
  --name NAME           name the job's state directory .ckwrap/NAME (CKWRAP_NAME)
  --restart MODE        on-failure (default), always (also after exit 0, until
                        the job sends COMPLETE) or never (CKWRAP_RESTART)
  --max-restarts N      relaunches allowed since the last run that advanced the
                        checkpoint; then exit with the job's status
                        (CKWRAP_MAX_RESTARTS; default unlimited)
  --no-progress-limit K give up with status 76 after K runs in a row that
                        committed nothing new (CKWRAP_NO_PROGRESS_LIMIT;
                        default 5; 0 = never)
  --no-restart-on CODES exit statuses that mean "do not retry", e.g. 2,64
                        (CKWRAP_NO_RESTART_ON)
  --stall-timeout D     a job that sends no record for D is hung: it is
                        stopped and relaunched, as a run without progress
                        (CKWRAP_STALL_TIMEOUT; default 0 = never)
  --backoff D[:MAX]     first delay before a relaunch, doubling up to MAX, with
                        jitter (CKWRAP_BACKOFF; default 500ms:30s; 0 = none)
  --grace D             after SIGTERM/SIGINT, how long the job may take to exit
                        before SIGKILL (CKWRAP_GRACE; default 10s)
  --checkpoint-signal SIG
                        before stopping the job, send it SIG and wait up to
                        --checkpoint-wait for a new checkpoint
                        (CKWRAP_CHECKPOINT_SIGNAL, e.g. USR1)
  --checkpoint-wait D   (CKWRAP_CHECKPOINT_WAIT; default 30s)
  --termination-log F   write a one-line summary to F at exit, e.g.
                        /dev/termination-log (CKWRAP_TERMINATION_LOG)
  --events F            append one JSON line per event to F (CKWRAP_EVENTS)
  --resume-flag FLAG    flag placed before the position (CKWRAP_RESUME_FLAG;
                        default --resume-from); an argument containing {} gets
                        the position in place of {} instead
  --resume-env-only     pass the position only as CKWRAP_RESUME_FROM
                        (CKWRAP_RESUME_ENV_ONLY=1)
  --max-line-bytes N    longest protocol line accepted (CKWRAP_MAX_LINE_BYTES;
                        default 65536)
  --sync MODE           when records reach the disk (CKWRAP_SYNC; default
                        batch): always = each read is durable before the next
                        read; batch = group commit, one fdatasync per commit;
                        none = no fdatasync (survives crashes, not power loss)
  --commit-interval D   with batch or none, start a commit at most every D
                        unless the job waits on it (CKWRAP_COMMIT_INTERVAL;
                        default 10ms; 0: no wait)
  --protocol-on STREAM  also read records from the job's stdout or stderr:
                        lines starting with the prefix are consumed, the rest
                        passes through (CKWRAP_PROTOCOL_ON)
  --protocol-prefix P   the prefix of those lines (CKWRAP_PROTOCOL_PREFIX;
                        default "@ckwrap ")
  --match REGEX         a line of the job's stdout, stderr or progress file
                        matching this POSIX extended regex is a CKPT of its
                        first group; repeatable (CKWRAP_MATCH)
  --match-done REGEX    the same, making a DONE of the first group
                        (CKWRAP_MATCH_DONE)
  --match-progress REGEX  the same, making a PROGRESS of the first group and
                        the second, if any, as the total (CKWRAP_MATCH_PROGRESS)
  --progress-file PATH  also read records from lines appended to PATH,
                        following rotation (CKWRAP_PROGRESS_FILE)
  --output FILE         a file the job appends to: its size is recorded with
                        each CKPT/DONE, and a relaunch or resumed run truncates
                        it back to the last commit; repeatable (CKWRAP_OUTPUT)
  --input FILE          fingerprint FILE (size, mtime, hash); a resume against
                        a changed input is refused; repeatable (CKWRAP_INPUT)
  --resume-anyway       resume despite a changed command line or input
                        (CKWRAP_RESUME_ANYWAY=1)
  --incremental         keep the DONE set after success: the next run skips
                        the ids already done (CKWRAP_INCREMENTAL=1)
  --quiet               no messages of ckwrap's own but errors (CKWRAP_QUIET=1)
  --verbose             also each launch's command line (CKWRAP_VERBOSE=1)
  --log-format F        text (default) or json: one JSON object per message
                        (CKWRAP_LOG_FORMAT)
  --status-interval D   when stderr is not a terminal, a plain status line every
                        D (default 30s; 0: none) and one per restart; on a
                        terminal a live line instead (CKWRAP_STATUS_INTERVAL)
  --shim LANG           print the path of the shim for LANG (sh, python or c)
                        and exit; a shell job sources the sh one
  --help                this text
  --version             ckwrap's version

Durations: 500ms, 10s, 2m, 1h (a bare number is seconds).
Exit status: 0 the job succeeded; 75 stopped by SIGTERM/SIGINT (resumable);
76 gave up, no progress; 130 the job died of a terminal's SIGINT (resumable);
otherwise the job's own status (128+N if it died of signal N) when it is not
relaunched; 125 ckwrap's own error; 126 command not executable; 127 command
not found.
)";
}

}  // namespace ckwrap
