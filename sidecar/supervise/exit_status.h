// A job's wait status in the shell's terms.
#pragma once

#include <string>

#include "supervise/restart_policy.h"

namespace ckwrap {

// The exit code a shell would report: the status, or 128 + the signal.
int ExitCodeOf(int wait_status);
// "exited with status 3", "killed by signal 9 (Killed)".
std::string DescribeExit(int wait_status);
// The signal that ended the process, or 0 when it exited.
int TermSignalOf(int wait_status);
// An end a stop signal may have caused: death by (or the shell's status for)
// SIGTERM or SIGINT, or exit 0 from a handler that saved and left.
bool MayBeAnsweringAStop(int wait_status);
// What the restart policy is told about a run that ended with wait_status.
RunOutcome OutcomeOf(int wait_status, bool progressed, bool stalled, bool stop_requested,
                     bool job_complete);

}  // namespace ckwrap
