#include "cli/starting_checkpoint.h"

#include <utility>

#include "base/log.h"
#include "cli/options.h"
#include "supervise/declared_outputs.h"
#include "supervise/launch.h"

namespace ckwrap {
namespace {

// --state-dir or --name (or their variables) chose the directory: the user
// vouches that it holds this job, whatever its command line now says.
bool NamedExplicitly(const RunOptions& options) {
  return !options.state_dir.empty() || !options.name.empty();
}

bool RerunsWhenComplete(const RunOptions& options) {
  if (options.on_complete == OnComplete::kUnset) return options.incremental;
  return options.on_complete == OnComplete::kRerun;
}

// The recorded and the new command line, one above the other (no final newline).
std::string BothCommandLines(const Checkpoint& recorded, const std::vector<std::string>& now) {
  std::string was = recorded.command.empty() ? "(not recorded: an earlier ckwrap wrote it)"
                                             : DescribeArgv(recorded.command);
  return "  recorded: " + was + "\n  new:      " + DescribeArgv(now);
}

bool CommandChanged(const Checkpoint& recorded, uint64_t fingerprint) {
  return recorded.command_fingerprint != 0 && recorded.command_fingerprint != fingerprint;
}

// A checkpoint that did not complete: its progress goes on, unless an input
// changed or, in a directory derived from the command, the command line did
// (then --resume-anyway is needed).
Status Resume(LoadedCheckpoint& loaded, const RunOptions& options, std::vector<InputFile> inputs,
              Checkpoint* out) {
  *out = std::move(loaded.checkpoint);
  const uint64_t fingerprint = CommandFingerprint(options.command);
  const bool command_changed = CommandChanged(*out, fingerprint);
  std::string refused = DescribeInputChanges(out->inputs, inputs);
  if (command_changed && !NamedExplicitly(options)) {
    refused = "the command line differs from the checkpointed run's\n" + refused;
  }
  const std::string commands = BothCommandLines(*out, options.command);
  if (!refused.empty() && !options.resume_anyway) {
    return Status::Error("refusing to resume " + loaded.path + ":\n" + refused + commands +
                         "\npass --resume-anyway to resume regardless, or ckwrap reset to start "
                         "over");
  }
  if (!refused.empty()) {
    LogInfo("resuming despite changes (--resume-anyway):\n" + refused + commands);
  } else if (command_changed) {
    LogInfo("resuming " + loaded.path + " with a changed command line (" +
            (options.name.empty() ? "--state-dir" : "--name") + " names the job):\n" + commands);
  }
  out->command_fingerprint = fingerprint;
  out->command = options.command;
  out->inputs = std::move(inputs);
  if (out->keep_done && !options.incremental) {
    LogError("warning: this run lacks --incremental: once it succeeds, the " +
             std::to_string(out->done.size()) + " DONE ids --incremental kept are dropped");
  }
  out->keep_done = options.incremental;
  return Status::Ok();
}

// The same command, with the same inputs, completed already.
bool SameWorkCompleted(const LoadedCheckpoint& loaded, uint64_t fingerprint,
                       const std::vector<InputFile>& inputs) {
  return loaded.found && loaded.checkpoint.complete &&
         !CommandChanged(loaded.checkpoint, fingerprint) &&
         DescribeInputChanges(loaded.checkpoint.inputs, inputs).empty();
}

void AlreadyComplete(const LoadedCheckpoint& loaded, StartingPoint* out) {
  const Checkpoint& c = loaded.checkpoint;
  std::string kept = c.keep_done ? "; its " + std::to_string(c.done.size()) +
                                       " DONE ids are kept: --incremental runs the new items only"
                                 : "";
  LogInfo("the last run of this command completed (" + loaded.path +
          "); nothing to do (--on-complete exit)" + kept +
          "; --on-complete rerun starts it again, ckwrap reset forgets it");
  out->already_complete = true;
  out->summary = "already complete at " +
                 (c.has_position ? "position " + c.position : std::string("no position"));
}

// A fresh checkpoint after a completed one: its DONE set carried over with
// --incremental, else dropped (loudly when --incremental had kept it).
void StartAfterCompletion(LoadedCheckpoint& loaded, const RunOptions& options, bool same_work,
                          Checkpoint* out) {
  Checkpoint& last = loaded.checkpoint;
  const std::string why =
      same_work ? "(--on-complete rerun)" : "with another command line or input";
  if (options.incremental && last.keep_done) {
    LogInfo("the last run completed " + why + "; --incremental: skipping its " +
            std::to_string(last.done.size()) + " done ids");
    out->done = std::move(last.done);
    return;
  }
  LogInfo("the last run completed " + why + "; starting fresh");
  if (last.keep_done && !last.done.empty()) {
    LogError("warning: dropping the " + std::to_string(last.done.size()) +
             " DONE ids the last run kept with --incremental: this run, without "
             "--incremental, starts from nothing");
  }
}

}  // namespace

Status ChooseStartingPoint(LoadedCheckpoint& loaded, const RunOptions& options,
                           StartingPoint* out) {
  std::vector<InputFile> inputs;
  Status status = FingerprintInputs(options.inputs, &inputs);
  if (!status.ok()) return status;
  // A watcher restarted after its job completed must not wipe the position
  // the main container reads: it keeps the completed checkpoint and exits 0.
  if (loaded.found && loaded.checkpoint.complete && options.watch) {
    out->checkpoint = std::move(loaded.checkpoint);
    return Status::Ok();
  }
  if (loaded.found && !loaded.checkpoint.complete) {
    return Resume(loaded, options, std::move(inputs), &out->checkpoint);
  }
  const uint64_t fingerprint = CommandFingerprint(options.command);
  const bool same_work = SameWorkCompleted(loaded, fingerprint, inputs);
  if (same_work && !RerunsWhenComplete(options)) {
    AlreadyComplete(loaded, out);
    return Status::Ok();
  }
  Checkpoint& fresh = out->checkpoint;
  fresh = Checkpoint();
  if (loaded.found) StartAfterCompletion(loaded, options, same_work, &fresh);
  fresh.command_fingerprint = fingerprint;
  fresh.command = options.command;
  fresh.inputs = std::move(inputs);
  fresh.keep_done = options.incremental;
  return Status::Ok();
}

}  // namespace ckwrap
