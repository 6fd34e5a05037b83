// ckwrap watch: the sidecar mode. No child: checkpoints from a progress file
// written by another process (a main container on a shared volume) until the
// file says COMPLETE or a stop signal arrives. Same store, lock and commit
// path as a supervised run (Supervisor with RunOptions::watch).
#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/options.h"

namespace ckwrap {
namespace {

std::string WatchUsage() {
  return R"(usage: ckwrap watch --progress-file FILE [OPTIONS] [--state-dir] STATE_DIR

Follows FILE (through rotation, truncation and replacement) and commits the
protocol records appended to it to the checkpoint in STATE_DIR, until a
COMPLETE record (exit 0) or SIGTERM/SIGINT (exit 75, after a last read and
commit). A restart continues after the last line committed. Options as for
ckwrap run that apply without a child: --state-dir, --progress-file, --match,
--match-done, --match-progress, --max-line-bytes, --quiet.
The resume position, for the job: ckwrap inspect --field position STATE_DIR.
)";
}

}  // namespace

int WatchCommand(const std::vector<std::string>& args) {
  RunOptions options;
  Status status = ParseRunOptions(args, &options, /*allow_no_command=*/true);
  if (status.ok() && options.help) {
    std::cout << WatchUsage();
    return 0;
  }
  if (status.ok() && !options.command.empty()) {
    if (options.command.size() > 1 || !options.state_dir.empty()) {
      status = Status::Error("ckwrap watch: unexpected argument '" + options.command.back() +
                             "' (options go before STATE_DIR)");
    } else {
      options.state_dir = options.command[0];
    }
  }
  if (status.ok() && options.progress_file.empty()) {
    status = Status::Error("ckwrap watch needs --progress-file FILE");
  }
  if (status.ok() && options.state_dir.empty()) {
    status = Status::Error("ckwrap watch needs a state directory (--state-dir DIR or STATE_DIR)");
  }
  if (status.ok() && !options.protocol_on.empty()) {
    status = Status::Error("ckwrap watch has no child: --protocol-on does not apply");
  }
  if (!status.ok()) {
    LogError(status.message());
    return kExitUsage;
  }
  options.command.clear();
  options.watch = true;
  return RunWithOptions(options);
}

}  // namespace ckwrap
