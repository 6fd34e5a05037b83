#include <iostream>
#include <utility>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/shim_path.h"
#include "store/checkpoint_store.h"
#include "store/state_lock.h"
#include "supervise/declared_outputs.h"
#include "supervise/supervisor.h"

namespace ckwrap {
namespace {

// Where this run starts: the loaded checkpoint, or a fresh one when there is
// none or the last run completed (keeping its DONE set with --incremental).
// A resume against a changed command line or input is refused unless
// --resume-anyway. Takes the checkpoint out of loaded: a copy of millions of
// ids would cost start-up time.
Status StartingCheckpoint(LoadedCheckpoint& loaded, const RunOptions& options, Checkpoint* out) {
  std::vector<InputFile> inputs;
  Status status = FingerprintInputs(options.inputs, &inputs);
  if (!status.ok()) return status;
  const uint64_t fingerprint = CommandFingerprint(options.command);
  // A watcher restarted after its job completed must not wipe the position
  // the main container reads: it keeps the completed checkpoint and exits 0.
  if (loaded.found && loaded.checkpoint.complete && options.watch) {
    *out = std::move(loaded.checkpoint);
    return Status::Ok();
  }
  if (loaded.found && !loaded.checkpoint.complete) {
    *out = std::move(loaded.checkpoint);
    std::string changes = DescribeInputChanges(out->inputs, inputs);
    if (out->command_fingerprint != 0 && out->command_fingerprint != fingerprint) {
      changes = "the command line differs from the checkpointed run's\n" + changes;
    }
    if (!changes.empty()) {
      if (!options.resume_anyway) {
        return Status::Error("refusing to resume " + loaded.path + ":\n" + changes +
                             "pass --resume-anyway to resume regardless, or ckwrap reset to "
                             "start over");
      }
      LogInfo("resuming despite changes (--resume-anyway):\n" +
              changes.substr(0, changes.size() - 1));
      out->command_fingerprint = fingerprint;
      out->inputs = inputs;
    }
    if (out->has_position) LogInfo("resuming from " + out->position + " (" + loaded.path + ")");
    out->keep_done = options.incremental;
    return Status::Ok();
  }
  *out = Checkpoint();
  if (loaded.found && options.incremental && loaded.checkpoint.keep_done) {
    LogInfo("the last run completed; --incremental: skipping its " +
            std::to_string(loaded.checkpoint.done.size()) + " done ids");
    out->done = std::move(loaded.checkpoint.done);
  } else if (loaded.found) {
    LogInfo("the last run completed; starting fresh");
  }
  out->command_fingerprint = fingerprint;
  out->inputs = std::move(inputs);
  out->keep_done = options.incremental;
  return Status::Ok();
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
  Checkpoint start;
  status = StartingCheckpoint(loaded, options, &start);
  if (!status.ok()) {
    LogError(status.message());
    return kExitUsage;
  }
  Supervisor supervisor(options, &store, std::move(start));
  return supervisor.Run();
}

}  // namespace ckwrap
