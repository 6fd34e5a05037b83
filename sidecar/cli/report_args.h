// The arguments `ckwrap inspect` and `ckwrap status` share: one target (a
// file or state directory), --json or --field NAME, and for status --name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace ckwrap {

struct ReportArgs {
  std::string target;  // empty when none was given; else the first of targets
  // status's operands: several state directories (or volumes holding them)
  // for the view of many shards; inspect and --name allow one.
  std::vector<std::string> targets;
  bool json = false;
  std::string field;  // --field NAME; empty when not given
  bool help = false;  // --help or -h
};

// With allow_name, --name NAME selects .ckwrap/NAME as the target, and
// without --name several operands may be given. An error
// says what was wrong (an unexpected argument, a bad --name, --json with
// --field); the caller adds its usage line. The grammar is every
// subcommand's (cli/flags.h); a word it refuses is reported as
// "unexpected 'WORD'", the wording scripts have matched since before it.
Status ParseReportArgs(const std::vector<std::string>& args, bool allow_name, ReportArgs* out);

// The flags' --help entries: inspect's, or with allow_name status's.
std::string ReportFlagsHelp(bool allow_name);

struct Subcommand;
// ParseReportArgs for the subcommand self, and what ends it at once: the exit
// status of a usage error (with self's usage line) or of --help (with
// details), else nullopt and *out filled.
std::optional<int> ParseReportCommand(const Subcommand& self, const std::vector<std::string>& args,
                                      bool allow_name, const char* details, ReportArgs* out);

}  // namespace ckwrap
