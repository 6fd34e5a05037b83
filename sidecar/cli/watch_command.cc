// ckwrap watch: the sidecar mode. No child: checkpoints from a progress file
// written by another process (a main container on a shared volume) until the
// file says COMPLETE or a stop signal arrives. Same store, lock and commit
// path as a supervised run (Supervisor with RunOptions::watch).
#include "base/log.h"
#include "cli/commands.h"
#include "cli/options.h"

namespace ckwrap {
namespace {

constexpr const char* kWatchDetails =
    "Follows FILE (through rotation, truncation and replacement) and commits the\n"
    "protocol records appended to it to the checkpoint in STATE_DIR, until a\n"
    "COMPLETE record (exit 0) or SIGTERM/SIGINT (exit 75, after a last read and\n"
    "commit). A restart continues after the last line committed. Of the options\n"
    "above those that apply without a child are accepted: --state-dir,\n"
    "--progress-file, --match, --match-done, --match-progress, --max-line-bytes,\n"
    "--quiet. The resume position, for the job: ckwrap inspect --field position\n"
    "STATE_DIR.\n";

}  // namespace

int WatchCommand(const Subcommand& self, const std::vector<std::string>& args) {
  RunOptions options;
  Status status = ParseRunOptions(args, &options, /*allow_no_command=*/true);
  if (status.ok() && options.help) return PrintHelp(self, FlagsHelp(RunFlags()), kWatchDetails);
  // The operands ParseRunOptions leaves in command: STATE_DIR, unless
  // --state-dir named it.
  if (status.ok() && !options.command.empty()) {
    if (options.command.size() > 1 || !options.state_dir.empty()) {
      status = Status::Error("unexpected '" + options.command.back() + "'");
    } else {
      options.state_dir = options.command[0];
    }
  }
  if (status.ok() && options.progress_file.empty()) {
    status = Status::Error("no --progress-file FILE given");
  }
  if (status.ok() && options.state_dir.empty()) {
    status = Status::Error("no STATE_DIR (or --state-dir DIR) given");
  }
  if (status.ok() && !options.protocol_on.empty()) {
    status = Status::Error("no child to read: --protocol-on does not apply");
  }
  if (!status.ok()) return UsageError(self, status.message());
  options.command.clear();
  options.watch = true;
  return RunWithOptions(options);
}

}  // namespace ckwrap
