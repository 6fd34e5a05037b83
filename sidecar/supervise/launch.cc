#include "supervise/launch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/exit_codes.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "intake/record_intake.h"
#include "supervise/declared_outputs.h"
#include "supervise/job_state.h"
#include "supervise/resume_files.h"

namespace ckwrap {
namespace {

// 256 KiB holds 2 ms of writes at over 100 MB/s (ckwrap pauses that long
// between reads of a streaming job); 64 ckwraps at once then use a quarter of
// the pipe memory an unprivileged user gets (fs.pipe-user-pages-soft).
constexpr int kProtocolPipeBytes = 256 << 10;

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

LaunchedAttempt Failed(const std::string& logged, std::string summary, int exit_code = kExitUsage) {
  LogError(logged);
  LaunchedAttempt failed;
  failed.exit_code = exit_code;
  failed.error = std::move(summary);
  return failed;
}

// The files and pipes a launch needs before the spec can be filled in.
Status PrepareLaunch(const LaunchContext& context, JobState* state) {
  // Appends after the last commit would be repeated: cut them off first.
  Status restored = RestoreOutputs(state->checkpoint().outputs);
  if (!restored.ok()) return restored;
  for (const std::string& path : context.options->outputs) state->DeclareOutput(path);
  state->DropSyncWaiters();  // the waiter has gone with the last attempt
  return Status::Ok();
}

}  // namespace

std::vector<std::string> ChildArgv(const RunOptions& options, const Checkpoint& checkpoint) {
  std::vector<std::string> argv;
  bool templated = false;
  for (const auto& arg : options.command) {
    size_t slot = arg.find("{}");
    if (slot == std::string::npos || &arg == &options.command[0]) {
      argv.push_back(arg);
      continue;
    }
    templated = true;
    // A fresh start drops the templated argument: there is no position to place.
    if (checkpoint.has_position) {
      argv.push_back(arg.substr(0, slot) + checkpoint.position + arg.substr(slot + 2));
    }
  }
  if (checkpoint.has_position && !templated && !options.resume_env_only) {
    argv.push_back(options.resume_flag);
    argv.push_back(checkpoint.position);
  }
  return argv;
}

std::string WentBackWarning(const RunOptions& options, const std::string& first,
                            const std::string& resumed_at) {
  bool templated = false;
  for (size_t i = 1; i < options.command.size(); ++i) {
    templated = templated || options.command[i].find("{}") != std::string::npos;
  }
  std::string given = "CKWRAP_RESUME_FROM=" + resumed_at;
  if (templated) {
    given = "the {} in its arguments and " + given;
  } else if (!options.resume_env_only) {
    given = options.resume_flag + " " + resumed_at + " after its own arguments, and " + given;
  }
  return "warning: the job was resumed at position " + resumed_at + " but its first position is " +
         first + ": it seems to ignore the resume position, or to read it from the wrong place (" +
         "ckwrap gave it " + given + "); it is redoing work it had done";
}

namespace {

// CKWRAP_OUTPUTS: the declared outputs' absolute paths, one a line, for the
// shims to send each one's size with every CKPT and DONE. Unset without one,
// so a nested job does not see its parent's.
Status SetOutputsVariable(const Checkpoint& checkpoint, LaunchSpec* spec) {
  if (checkpoint.outputs.empty()) {
    spec->unset_env.push_back("CKWRAP_OUTPUTS");
    return Status::Ok();
  }
  std::string lines;
  for (const OutputFile& f : checkpoint.outputs) {
    // Only a working directory with a newline in its name gets here.
    if (f.path.find('\n') != std::string::npos) {
      return Status::Error("declared output " + f.path +
                           ": its path contains a newline, which CKWRAP_OUTPUTS cannot list");
    }
    lines += (lines.empty() ? "" : "\n") + f.path;
  }
  spec->env.emplace_back("CKWRAP_OUTPUTS", std::move(lines));
  return Status::Ok();
}

}  // namespace

Status PrepareJobEnvironment(const RunOptions& options, const Checkpoint& checkpoint,
                             const Directory& state_dir, const std::string& state_dir_abs,
                             LaunchSpec* spec) {
  spec->env = {{"CKWRAP_FD", std::to_string(kChildProtocolFd)},
               {"CKWRAP_STATE_DIR", state_dir_abs},
               {"CKWRAP_ATTEMPT", std::to_string(checkpoint.attempts)},
               {"CKWRAP_ACK_FD", std::to_string(kChildAckFd)}};
  if (Status outputs = SetOutputsVariable(checkpoint, spec); !outputs.ok()) return outputs;
  if (checkpoint.has_position) {
    spec->env.emplace_back("CKWRAP_RESUME_FROM", checkpoint.position);
    spec->env.emplace_back("CKWRAP_RESUME_FLAG", options.resume_flag);
  } else {
    spec->unset_env.insert(spec->unset_env.end(), {"CKWRAP_RESUME_FROM", "CKWRAP_RESUME_FLAG"});
  }
  if (!IsResumedLaunch(checkpoint)) {
    spec->unset_env.insert(spec->unset_env.end(), {"CKWRAP_DONE_FILE", "CKWRAP_STATE_FILE"});
    return Status::Ok();
  }
  return WriteResumeFiles(state_dir, state_dir_abs, checkpoint, &spec->env);
}

int ForegroundTerminal() {
  return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() ? STDIN_FILENO : -1;
}

void ReclaimTerminal(int terminal_fd) {
  // SIGTTOU is ignored by ckwrap (process_setup.cc), so a background caller is not stopped here.
  if (terminal_fd >= 0) tcsetpgrp(terminal_fd, getpgrp());
}

std::string DescribeArgv(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + JsonString(arg);
  return text;
}

LaunchPipes::~LaunchPipes() {
  for (int* fd :
       {&protocol_read, &protocol_write, &ack_read, &ack_write, &stdout_write, &stderr_write}) {
    CloseFd(fd);
  }
}

Status LaunchPipes::Open() {
  int acks[2];
  if (pipe2(acks, O_CLOEXEC) != 0) {
    return Status::FromErrno("cannot create", "the acknowledgement pipe", errno);
  }
  ack_read = acks[0];
  ack_write = acks[1];
  fcntl(ack_write, F_SETFL, O_NONBLOCK);  // a job that never reads must not block ckwrap
  int records[2];
  if (pipe2(records, O_CLOEXEC) != 0) {
    return Status::FromErrno("cannot create", "the protocol pipe", errno);
  }
  protocol_read = records[0];
  protocol_write = records[1];
  // Best effort: a smaller pipe (a lower fs.pipe-max-size) only means the job
  // blocks sooner while ckwrap waits between reads.
  fcntl(protocol_read, F_SETPIPE_SZ, kProtocolPipeBytes);
  return Status::Ok();
}

void LaunchPipes::CloseChildEnds() {
  for (int* fd : {&protocol_write, &ack_read, &stdout_write, &stderr_write}) CloseFd(fd);
}

int LaunchPipes::Take(int* fd) {
  int taken = *fd;
  *fd = -1;
  return taken;
}

namespace {

// The launch's checkpoint slot on the child's fd 5 and in CKWRAP_SLOT_FD.
// Without one (no memfd here) the shim writes every CKPT to fd 3, as a job
// without the shim does: slower, nothing lost.
std::unique_ptr<CheckpointSlot> MakeSlot(LaunchSpec* spec) {
  std::unique_ptr<CheckpointSlot> slot;
  if (Status made = CheckpointSlot::Create(&slot); !made.ok()) {
    LogError("warning: " + made.message() + "; the job's checkpoints all go through fd 3");
    spec->unset_env.push_back("CKWRAP_SLOT_FD");  // an outer ckwrap's is not this job's
    return nullptr;
  }
  spec->slot_fd = slot->fd();
  spec->env.emplace_back("CKWRAP_SLOT_FD", std::to_string(kChildSlotFd));
  return slot;
}

}  // namespace

LaunchedAttempt LaunchAttempt(const LaunchContext& context, JobState* state, RecordIntake* intake) {
  Status prepared = PrepareLaunch(context, state);
  if (!prepared.ok()) return Failed(prepared.message(), "error: " + prepared.message());
  LaunchPipes pipes;
  if (Status opened = pipes.Open(); !opened.ok()) {
    return Failed(opened.message(), "error: " + opened.message());
  }
  if (!intake->OpenOutputChannels(context.pipe_stdout, context.pipe_stderr, &pipes.stdout_write,
                                  &pipes.stderr_write)) {
    LaunchedAttempt failed;  // the intake has said why
    failed.exit_code = kExitUsage;
    failed.error = "cannot pipe the job's output";
    return failed;
  }
  Checkpoint& checkpoint = state->mutable_checkpoint();
  checkpoint.attempts++;
  LaunchSpec spec;
  spec.argv = ChildArgv(*context.options, checkpoint);
  spec.protocol_write_fd = pipes.protocol_write;
  spec.ack_read_fd = pipes.ack_read;
  spec.stdout_write_fd = pipes.stdout_write;
  spec.stderr_write_fd = pipes.stderr_write;
  spec.terminal_fd = context.terminal_fd;
  Status env = PrepareJobEnvironment(*context.options, checkpoint, *context.state_dir,
                                     context.state_dir_abs, &spec);
  if (!env.ok()) {
    ReleaseReplacedResumeFiles(*context.state_dir);
    checkpoint.attempts--;
    return Failed(env.message() + "; not launching the job without it", "error: " + env.message());
  }
  std::unique_ptr<CheckpointSlot> slot = MakeSlot(&spec);
  LogVerbose("attempt " + std::to_string(checkpoint.attempts) + ": launching " +
             DescribeArgv(spec.argv));
  LaunchResult launched = LaunchChild(spec);
  pipes.CloseChildEnds();
  ReleaseReplacedResumeFiles(*context.state_dir);
  if (launched.pid <= 0) {
    checkpoint.attempts--;
    return Failed(launched.error, "error: " + launched.error, launched.exit_code);
  }
  LaunchedAttempt attempt;
  attempt.pid = launched.pid;
  attempt.protocol_read = LaunchPipes::Take(&pipes.protocol_read);
  attempt.ack_write = LaunchPipes::Take(&pipes.ack_write);
  attempt.slot = std::move(slot);
  return attempt;
}

}  // namespace ckwrap
