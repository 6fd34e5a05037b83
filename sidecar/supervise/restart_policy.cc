#include "supervise/restart_policy.h"

#include <algorithm>
#include <cstdlib>

#include "base/exit_codes.h"

namespace ckwrap {
namespace {

Verdict Stop(int exit_code, std::string reason, bool retire = false) {
  Verdict verdict;
  verdict.kind = exit_code == 0 && retire ? Verdict::kSucceeded : Verdict::kStopped;
  verdict.exit_code = exit_code;
  verdict.retire = retire;
  verdict.reason = std::move(reason);
  return verdict;
}

}  // namespace

Verdict RestartTracker::OnRunEnded(const RunOutcome& outcome) {
  const int code = outcome.exit_code;
  progressed_last_run_ = outcome.progressed && !outcome.stalled;
  if (progressed_last_run_) {
    restarts_since_progress_ = 0;
    runs_without_progress_ = 0;
  } else {
    runs_without_progress_++;
  }
  if (outcome.job_complete) {
    return Stop(
        code, code == 0 ? "job complete" : "job said COMPLETE, then exited " + std::to_string(code),
        /*retire=*/true);
  }
  // A stop is a stop, whatever the job exits with (a job that saves and
  // exits 0 on TERM is not finished): only COMPLETE retires it then.
  if (outcome.stop_requested) return Stop(kExitInterrupted, "stopped by a signal; resumable");
  if (code == 0 && policy_.mode != RestartMode::kAlways) return Stop(0, "job succeeded", true);
  if (outcome.killed_by_sigint) {
    return Stop(kExitTerminalInterrupt, "job interrupted (SIGINT); resumable");
  }
  if (policy_.mode == RestartMode::kNever) return Stop(code, "--restart never");
  if (std::find(policy_.no_restart_codes.begin(), policy_.no_restart_codes.end(), code) !=
      policy_.no_restart_codes.end()) {
    return Stop(code, "exit status " + std::to_string(code) + " is in --no-restart-on");
  }
  if (policy_.no_progress_limit != 0 && runs_without_progress_ >= policy_.no_progress_limit) {
    return Stop(kExitGaveUpNoProgress, "gave up: " + std::to_string(runs_without_progress_) +
                                           " runs in a row committed nothing new");
  }
  if (restarts_since_progress_ >= policy_.max_restarts) {
    // Relaunches used up by runs that advanced nothing: a crash loop, given
    // the status systemd's RestartPreventExitStatus= and Kubernetes'
    // podFailurePolicy act on (76), else the engine would restart the loop.
    // With --max-restarts 0 nothing was relaunched: the job's own status.
    return Stop(policy_.max_restarts == 0 ? code : kExitGaveUpNoProgress,
                "gave up: --max-restarts " + std::to_string(policy_.max_restarts) +
                    " used up without progress");
  }
  // The relaunch after a run that advanced starts a fresh budget.
  if (!progressed_last_run_) restarts_since_progress_++;
  Verdict verdict;
  verdict.kind = Verdict::kRelaunch;
  return verdict;
}

bool ParseRestartMode(const std::string& text, RestartMode* mode) {
  if (text == "on-failure") {
    *mode = RestartMode::kOnFailure;
  } else if (text == "always") {
    *mode = RestartMode::kAlways;
  } else if (text == "never") {
    *mode = RestartMode::kNever;
  } else {
    return false;
  }
  return true;
}

bool ParseExitCodes(const std::string& text, std::vector<int>* codes) {
  std::vector<int> parsed;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    if (item.empty() || item.size() > 3 ||
        item.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    int code = std::atoi(item.c_str());
    if (code > 255) return false;
    parsed.push_back(code);
    start = end + 1;
  }
  *codes = std::move(parsed);
  return true;
}

}  // namespace ckwrap
