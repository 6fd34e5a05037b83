#include <iostream>
#include <utility>

#include "checkpoint_store.h"
#include "commands.h"
#include "log.h"
#include "options.h"
#include "shim_path.h"
#include "state_lock.h"
#include "supervisor.h"

namespace ckwrap {
namespace {

// Where this run starts: the loaded checkpoint, or a fresh one when there is
// none or the last run completed.
// Takes the checkpoint out of loaded: a copy of millions of ids would cost start-up time.
Checkpoint StartingCheckpoint(LoadedCheckpoint& loaded, const RunOptions& options) {
  if (loaded.found && !loaded.checkpoint.complete) {
    if (loaded.checkpoint.has_position) {
      LogInfo("resuming from " + loaded.checkpoint.position + " (" + loaded.path + ")");
    }
    return std::move(loaded.checkpoint);
  }
  if (loaded.found) LogInfo("the last run completed; starting fresh");
  Checkpoint fresh;
  fresh.command_fingerprint = CommandFingerprint(options.command);
  return fresh;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  RunOptions options;
  Status parsed = ParseRunOptions(args, &options);
  if (!parsed.ok()) {
    LogError(parsed.message());
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
  Status status = MakeDirectories(dir);
  if (status.ok()) status = lock.Acquire(dir);
  CheckpointStore store(dir);
  LoadedCheckpoint loaded;
  if (status.ok()) status = store.Load(&loaded);
  if (status.ok()) store.RemoveTempFiles();
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
  Supervisor supervisor(options, &store, StartingCheckpoint(loaded, options));
  return supervisor.Run();
}

}  // namespace ckwrap
