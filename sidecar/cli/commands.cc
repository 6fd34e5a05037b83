#include "cli/commands.h"

#include <iostream>

#include "base/log.h"

namespace ckwrap {

const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> subcommands = {
      {"watch", "--progress-file FILE [OPTIONS] [--state-dir] STATE_DIR",
       "checkpoint the records another process appends to FILE (the sidecar mode)", WatchCommand},
      {"inspect", "[--json | --field NAME] FILE|STATE_DIR",
       "decode and verify a checkpoint file or a state directory's newest checkpoint",
       InspectCommand},
      {"status", "[STATE_DIR... | --name NAME] [--json | --field F]",
       "a job's state (running, stopped, stuck, complete, new); with several STATE_DIRs "
       "a line each and a total; with none every job under .ckwrap/",
       StatusCommand},
      {"reset", "STATE_DIR", "forget a job's progress: its next run starts fresh", ResetCommand},
      {"emit", "VERB [ARG...]", "write one protocol record to $CKWRAP_FD, for a job's scripts",
       EmitCommand},
      {"pending", "[STATE_DIR] [--field N] [--shard K/N]",
       "copy stdin to stdout without the lines whose id is DONE", PendingCommand},
  };
  return subcommands;
}

const Subcommand* FindSubcommand(const std::string& name) {
  for (const Subcommand& sub : Subcommands()) {
    if (name == sub.name) return &sub;
  }
  return nullptr;
}

std::string SubcommandHelp(const Subcommand& sub, const std::string& flags_help,
                           const std::string& details) {
  std::string help = std::string("usage: ckwrap ") + sub.name + " " + sub.synopsis + "\n\n";
  help += WrapText(std::string("ckwrap ") + sub.name + ": " + sub.summary + ".", 0);
  help += "\nOptions:\n" + flags_help;
  return details.empty() ? help : help + "\n" + details;
}

int UsageError(const Subcommand& sub, const std::string& why) {
  LogError(std::string(sub.name) + ": " + why + " (usage: ckwrap " + sub.name + " " + sub.synopsis +
           ")");
  return kExitUsage;
}

int PrintHelp(const Subcommand& sub, const std::string& flags_help, const std::string& details) {
  std::cout << SubcommandHelp(sub, flags_help, details);
  return 0;
}

}  // namespace ckwrap
