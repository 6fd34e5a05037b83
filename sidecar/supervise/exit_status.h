// A job's wait status in the shell's terms.
#pragma once

#include <string>

namespace ckwrap {

// The exit code a shell would report: the status, or 128 + the signal.
int ExitCodeOf(int wait_status);
// "exited with status 3", "killed by signal 9 (Killed)".
std::string DescribeExit(int wait_status);
// The signal that ended the process, or 0 when it exited.
int TermSignalOf(int wait_status);

}  // namespace ckwrap
