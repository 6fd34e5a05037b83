// The subcommands, each taking the arguments after its name and returning
// ckwrap's exit status, and the one table main dispatches through and
// `ckwrap --help` lists.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "cli/options.h"

namespace ckwrap {

struct Subcommand {
  const char* name;      // `ckwrap NAME ...`
  const char* synopsis;  // its arguments, as usage lines show them
  const char* summary;   // its line in `ckwrap --help`
  int (*run)(const Subcommand& self, const std::vector<std::string>& args);
};

// In the order `ckwrap --help` lists them.
const std::vector<Subcommand>& Subcommands();
// nullptr when name is no subcommand (then the words are a command to run).
const Subcommand* FindSubcommand(const std::string& name);

// A subcommand's --help: its usage line, summary and flags (flags_help, from
// FlagsHelp), then details.
std::string SubcommandHelp(const Subcommand& sub, const std::string& flags_help,
                           const std::string& details = "");
// Logs "NAME: WHY (usage: ckwrap NAME SYNOPSIS)" and returns kExitUsage.
int UsageError(const Subcommand& sub, const std::string& why);
// Prints SubcommandHelp to stdout and returns 0.
int PrintHelp(const Subcommand& sub, const std::string& flags_help, const std::string& details);

// The flag table of a subcommand that has none but --help.
struct NoFlags {};

// Parses a subcommand's arguments by its flag table. Returns its exit status
// when that settles it: 0 after printing its --help, kExitUsage after a usage
// error (logged, naming the word); else nullopt, out and operands filled.
template <typename Out>
std::optional<int> ParseSubcommandArgs(const Subcommand& self, const std::vector<Flag<Out>>& flags,
                                       const std::vector<std::string>& args, Operands where,
                                       size_t max_operands, Out* out,
                                       std::vector<std::string>* operands,
                                       const std::string& details = "") {
  ParsedArgs parsed;
  Status status = ParseFlags(flags, args, where, out, &parsed);
  if (!status.ok()) return UsageError(self, status.message());
  if (parsed.help) return PrintHelp(self, FlagsHelp(flags), details);
  if (parsed.operands.size() > max_operands) {
    return UsageError(self, "unexpected '" + parsed.operands[max_operands] + "'");
  }
  *operands = std::move(parsed.operands);
  return std::nullopt;
}

int RunCommand(const std::vector<std::string>& args);  // ckwrap [OPTIONS] -- CMD
int WatchCommand(const Subcommand& self, const std::vector<std::string>& args);
int InspectCommand(const Subcommand& self, const std::vector<std::string>& args);
int StatusCommand(const Subcommand& self, const std::vector<std::string>& args);
int ResetCommand(const Subcommand& self, const std::vector<std::string>& args);
int EmitCommand(const Subcommand& self, const std::vector<std::string>& args);
int PendingCommand(const Subcommand& self, const std::vector<std::string>& args);
// Locks and loads the state directory, then supervises (or watches).
int RunWithOptions(const RunOptions& options);

}  // namespace ckwrap
