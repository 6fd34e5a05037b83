// Launching the job (Boost.Process): its own process group, the protocol
// pipe's write end on fd 3, the acknowledgement pipe's read end on fd 4, the
// checkpoint slot on fd 5, no other ckwrap fd, the caller's signal set-up.
// ckwrap alone reaps it (see supervisor.cc): the Boost child is detached.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "base/exit_codes.h"
#include "base/status.h"

namespace ckwrap {

inline constexpr int kChildProtocolFd = 3;
inline constexpr int kChildAckFd = 4;   // read end of the acknowledgement pipe
inline constexpr int kChildSlotFd = 5;  // the checkpoint slot (intake/checkpoint_slot.h)

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH unless it has a '/'
  // Set in the child's environment (over ckwrap's own); names in unset removed.
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> unset_env;
  int protocol_write_fd = -1;  // becomes fd 3 in the child
  int ack_read_fd = -1;        // when >= 0, becomes fd 4 in the child
  int slot_fd = -1;            // when >= 0, becomes fd 5 in the child
  // A terminal to make the child's process group the foreground of (so it can
  // read it and Ctrl-C reaches it), or -1.
  int terminal_fd = -1;
  // When >= 0, become the child's stdout / stderr (--protocol-on, --match);
  // otherwise the child inherits ckwrap's own.
  int stdout_write_fd = -1;
  int stderr_write_fd = -1;
};

struct LaunchResult {
  pid_t pid = -1;     // > 0 on success; the child leads its own process group
  int exit_code = 0;  // on failure: 126 or 127 (as a shell would), else 125
  std::string error;  // on failure: what went wrong, naming the command
};

// Finds the file a command name runs, as execvp would. On failure returns the
// shell's exit code (127 not found, 126 found but not executable) and a message.
bool ResolveCommand(const std::string& name, std::string* path, int* exit_code, std::string* error);

LaunchResult LaunchChild(const LaunchSpec& spec);

}  // namespace ckwrap
