#include <iostream>
#include <utility>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/replica_start.h"
#include "cli/shim_path.h"
#include "cli/starting_checkpoint.h"
#include "store/checkpoint_store.h"
#include "store/state_lock.h"
#include "supervise/event_log.h"
#include "supervise/notify.h"
#include "supervise/run_events.h"
#include "supervise/supervisor.h"

namespace ckwrap {
namespace {

// A run with nothing to do ends as a supervised one would, for whoever
// watches: the finish event, the termination log, systemd's READY/STOPPING.
int FinishAtOnce(const RunOptions& options, const std::string& summary) {
  EventLog events;
  if (Status opened = events.Open(options.events_file); !opened.ok()) {
    LogError(opened.message());
    return kExitUsage;
  }
  EmitFinish(&events, 0, summary);
  WriteTerminationLog(options.termination_log, summary);
  Notifier(nullptr, nullptr, nullptr, nullptr).FinishedAtOnce(summary);
  return 0;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  RunOptions options;
  Status parsed = ParseRunOptions(args, &options);
  if (!parsed.ok()) {
    LogError(parsed.message() +
             " (usage: ckwrap [OPTIONS] [--] COMMAND [ARG...]; see ckwrap --help)");
    return kExitUsage;
  }
  if (options.help) {
    std::cout << RunUsage();
    return 0;
  }
  if (!options.shim.empty()) {
    std::string path;
    Status found = FindShim(options.shim, &path);
    if (!found.ok()) {
      LogError(found.message());
      return kExitUsage;
    }
    std::cout << path << "\n";
    return 0;
  }
  if (options.version) {
    std::cout << "ckwrap " << CKWRAP_VERSION << "\n";
    return 0;
  }
  return RunWithOptions(options);
}

int RunWithOptions(const RunOptions& options) {
  SetQuiet(options.quiet);
  SetVerbose(options.verbose);
  SetLogJson(options.log_json);
  const std::string dir = ResolveStateDir(options);
  StateLock lock;
  Directory opened;
  Status status = MakeDirectories(dir);
  if (status.ok()) status = OpenStateDir(dir, &opened);
  if (status.ok()) status = lock.Acquire(opened);
  CheckpointStore store(std::move(opened));
  LoadedCheckpoint loaded;
  if (status.ok()) status = store.Load(&loaded);
  if (status.ok()) store.RemoveTempFiles();
  // Before the torn-tail repair, which then applies to a restored journal too.
  if (status.ok()) status = RestoreIfNoCheckpoint(options, &store, &loaded);
  if (status.ok() && loaded.journal_torn_bytes > 0) {
    LogInfo("journal " + loaded.journal_path + ": dropped a torn tail of " +
            std::to_string(loaded.journal_torn_bytes) + " bytes after offset " +
            std::to_string(loaded.journal_bytes) + " (a commit cut short by a crash)");
    status = store.RepairTornTail(loaded);
  }
  if (!status.ok()) {
    LogError(status.message());
    return kExitUsage;
  }
  for (const auto& warning : loaded.warnings) LogError("checkpoint rejected: " + warning);
  if (!loaded.warnings.empty()) LogError("falling back to the previous generation " + loaded.path);
  StartingPoint start;
  status = ChooseStartingPoint(loaded, options, &start);
  if (!status.ok()) {
    LogError(status.message());
    return kExitUsage;
  }
  if (start.already_complete) return FinishAtOnce(options, start.summary);
  Supervisor supervisor(options, &store, std::move(start.checkpoint));
  return supervisor.Run();
}

}  // namespace ckwrap
