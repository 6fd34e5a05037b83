// Everything one launch of the job needs except the child itself: its argv
// with the resume position, its environment, the resume files, and the pipes
// for fd 3 and fd 4. Testable without starting a process.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "intake/checkpoint_slot.h"
#include "store/checkpoint.h"
#include "store/directory.h"
#include "supervise/child_process.h"
#include "supervise/run_options.h"

namespace ckwrap {

class JobState;
class RecordIntake;

// The child's argv for this launch: the command, plus the position on a
// resume (as the last two words, or in place of a "{}" in an argument).
std::vector<std::string> ChildArgv(const RunOptions& options, const Checkpoint& checkpoint);
// The warning for a resumed run whose first position (first) is behind the
// one it was resumed from: where ckwrap put the position, and that the job
// seems not to read it there.
std::string WentBackWarning(const RunOptions& options, const std::string& first,
                            const std::string& resumed_at);

// The job's environment (CKWRAP_FD, CKWRAP_STATE_DIR, CKWRAP_ATTEMPT,
// CKWRAP_ACK_FD, CKWRAP_OUTPUTS, CKWRAP_RESUME_*), and on a resume the done and state files
// it reads. On error nothing must be launched: the Status names the file.
Status PrepareJobEnvironment(const RunOptions& options, const Checkpoint& checkpoint,
                             const Directory& state_dir, const std::string& state_dir_abs,
                             LaunchSpec* spec);

// The terminal ckwrap may hand to its job: stdin, if ckwrap's process group
// is the terminal's foreground group (not when run in the background or
// without a terminal); else -1.
int ForegroundTerminal();

// Takes the terminal back from the job's process group (terminal_fd < 0: none).
void ReclaimTerminal(int terminal_fd);

// The argv as one line for the log, each word quoted.
std::string DescribeArgv(const std::vector<std::string>& argv);

// The pipes of one launch: fd 3 (records) and fd 4 (acknowledgements), and
// the write ends of the job's stdout/stderr when ckwrap reads them. Whatever
// is still held is closed on destruction, so every early return is clean.
struct LaunchPipes {
  int protocol_read = -1;
  int protocol_write = -1;
  int ack_read = -1;
  int ack_write = -1;
  int stdout_write = -1;
  int stderr_write = -1;

  LaunchPipes() = default;
  ~LaunchPipes();
  LaunchPipes(const LaunchPipes&) = delete;
  LaunchPipes& operator=(const LaunchPipes&) = delete;

  Status Open();
  // The child has its copies (or was not started): ckwrap's are closed.
  void CloseChildEnds();
  // Hands an fd over to its new owner.
  static int Take(int* fd);
};

// A launched attempt: the job's pid and ckwrap's ends of its pipes, or why
// it could not start (logged already) with ckwrap's exit code.
struct LaunchedAttempt {
  pid_t pid = -1;
  int protocol_read = -1;                // fd 3's read end, for RecordIntake::StartProtocol
  std::unique_ptr<CheckpointSlot> slot;  // the job's fd 5, or null (none could be made)
  int ack_write = -1;                    // fd 4's write end, for AckPipe::Open
  int exit_code = 0;                     // on failure: 125, or 126/127 as a shell would
  std::string error;                     // on failure: the summary
};

struct LaunchContext {
  const RunOptions* options = nullptr;
  const Directory* state_dir = nullptr;  // the store's: the resume files go in it
  std::string state_dir_abs;
  int terminal_fd = -1;      // handed to the job's process group, or -1
  bool pipe_stdout = false;  // the status line needs the job's streams piped
  bool pipe_stderr = false;
};

// The next attempt: outputs cut back to the checkpoint, the pipes, the job's
// stdout/stderr through intake when read, argv and environment, then the
// child. Counts the attempt in state only when the child started.
LaunchedAttempt LaunchAttempt(const LaunchContext& context, JobState* state, RecordIntake* intake);

}  // namespace ckwrap
