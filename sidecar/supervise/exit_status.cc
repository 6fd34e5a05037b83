#include "supervise/exit_status.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstring>

#include "base/exit_codes.h"

namespace ckwrap {

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return kExitUsage;
}

std::string DescribeExit(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return std::string("killed by signal ") + std::to_string(WTERMSIG(wait_status)) + " (" +
           strsignal(WTERMSIG(wait_status)) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
}

int TermSignalOf(int wait_status) { return WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0; }

bool MayBeAnsweringAStop(int wait_status) {
  const int code = ExitCodeOf(wait_status);
  return code == 0 || code == 128 + SIGTERM || code == 128 + SIGINT;
}

RunOutcome OutcomeOf(int wait_status, bool progressed, bool stalled, bool stop_requested,
                     bool job_complete) {
  RunOutcome outcome;
  outcome.exit_code = ExitCodeOf(wait_status);
  outcome.killed_by_sigint = TermSignalOf(wait_status) == SIGINT;
  outcome.progressed = progressed;
  outcome.stalled = stalled;
  outcome.stop_requested = stop_requested;
  outcome.job_complete = job_complete;
  return outcome;
}

}  // namespace ckwrap
