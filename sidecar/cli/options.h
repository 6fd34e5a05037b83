// The `ckwrap [OPTIONS] -- COMMAND [ARG...]` command line: parsing it into
// RunOptions (supervise/run_options.h), the usage, the state directory name.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/exit_codes.h"
#include "base/status.h"
#include "cli/flags.h"
#include "cli/option_values.h"
#include "supervise/run_options.h"

namespace ckwrap {

// ckwrap's options: one row each (flag, CKWRAP_* variable, metavar, default,
// help, setter), from which both the parser and `ckwrap --help` work.
const std::vector<Flag<RunOptions>>& RunFlags();
// A setter of a duration field (500ms, 10s, 2m, 1h), for RunFlags' rows.
std::function<Status(const std::string&, const std::string&, RunOptions*)> Duration(
    uint64_t RunOptions::*field);

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
