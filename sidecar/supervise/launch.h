// Everything one launch of the job needs except the child itself: its argv
// with the resume position, its environment, the resume files, and the pipes
// for fd 3 and fd 4. Testable without starting a process.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "cli/options.h"
#include "store/checkpoint.h"
#include "supervise/child_process.h"

namespace ckwrap {

// The child's argv for this launch: the command, plus the position on a
// resume (as the last two words, or in place of a "{}" in an argument).
std::vector<std::string> ChildArgv(const RunOptions& options, const Checkpoint& checkpoint);

// The job's environment (CKWRAP_FD, CKWRAP_STATE_DIR, CKWRAP_ATTEMPT,
// CKWRAP_ACK_FD, CKWRAP_RESUME_*), and on a resume the done and state files
// it reads. On error nothing must be launched: the Status names the file.
Status PrepareJobEnvironment(const RunOptions& options, const Checkpoint& checkpoint,
                             const std::string& state_dir_abs, LaunchSpec* spec);

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

}  // namespace ckwrap
