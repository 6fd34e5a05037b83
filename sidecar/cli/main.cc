// ckwrap: checkpoint/resume for any long-running command.
// main reads as named steps; subcommands come from a table.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "supervise/process_setup.h"

namespace {

struct Subcommand {
  const char* name;
  int (*run)(const std::vector<std::string>& args);
};

constexpr Subcommand kSubcommands[] = {
    {"inspect", ckwrap::InspectCommand}, {"reset", ckwrap::ResetCommand},
    {"emit", ckwrap::EmitCommand},       {"pending", ckwrap::PendingCommand},
    {"watch", ckwrap::WatchCommand},     {"status", ckwrap::StatusCommand},
};

}  // namespace

int main(int argc, char** argv) {
  ckwrap::PrepareProcess();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty()) {
    for (const auto& sub : kSubcommands) {
      if (args[0] == sub.name) return sub.run({args.begin() + 1, args.end()});
    }
  }
  return ckwrap::RunCommand(args);
}
