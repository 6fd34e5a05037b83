// ckwrap: checkpoint/resume for any long-running command.
// main reads as named steps; subcommands come from a table (cli/commands.cc).
#include <string>
#include <vector>

#include "cli/commands.h"
#include "supervise/process_setup.h"

int main(int argc, char** argv) {
  ckwrap::PrepareProcess();
  std::vector<std::string> args(argv + 1, argv + argc);
  const ckwrap::Subcommand* sub = args.empty() ? nullptr : ckwrap::FindSubcommand(args[0]);
  if (sub != nullptr) return sub->run(*sub, {args.begin() + 1, args.end()});
  return ckwrap::RunCommand(args);
}
