#include "supervise/restart_policy.h"

#include <doctest/doctest.h>

#include "base/exit_codes.h"

using namespace ckwrap;

namespace {

RunOutcome Crash(bool progressed) {
  RunOutcome outcome;
  outcome.exit_code = 137;
  outcome.progressed = progressed;
  return outcome;
}

}  // namespace

TEST_SUITE_BEGIN("supervise/restart_policy");

TEST_CASE("Exit 0 succeeds and retires the checkpoint") {
  RestartTracker tracker{RestartPolicy{}};
  RunOutcome ok;
  Verdict verdict = tracker.OnRunEnded(ok);
  CHECK(verdict.kind == Verdict::kSucceeded);
  CHECK(verdict.exit_code == 0);
  CHECK(verdict.retire);
}

TEST_CASE("A crash loop without progress gives up with 76 after the limit") {
  RestartPolicy policy;
  policy.no_progress_limit = 3;
  RestartTracker tracker{policy};
  CHECK(tracker.OnRunEnded(Crash(false)).kind == Verdict::kRelaunch);
  CHECK(tracker.OnRunEnded(Crash(false)).kind == Verdict::kRelaunch);
  Verdict verdict = tracker.OnRunEnded(Crash(false));
  CHECK(verdict.kind == Verdict::kStopped);
  CHECK(verdict.exit_code == kExitGaveUpNoProgress);
  CHECK_FALSE(verdict.retire);
}

TEST_CASE("A job that crashes often but advances is relaunched without limit") {
  RestartPolicy policy;
  policy.no_progress_limit = 2;
  policy.max_restarts = 2;
  RestartTracker tracker{policy};
  for (int run = 0; run < 1000; ++run) {
    REQUIRE(tracker.OnRunEnded(Crash(run % 2 == 0)).kind == Verdict::kRelaunch);
  }
}

TEST_CASE("The restart budget runs out with 76 (no progress) and resets on progress") {
  RestartPolicy policy;
  policy.max_restarts = 2;
  policy.no_progress_limit = 0;
  RestartTracker tracker{policy};
  CHECK(tracker.OnRunEnded(Crash(false)).kind == Verdict::kRelaunch);
  CHECK(tracker.OnRunEnded(Crash(false)).kind == Verdict::kRelaunch);
  CHECK(tracker.OnRunEnded(Crash(true)).kind == Verdict::kRelaunch);  // progress: budget back
  CHECK(tracker.OnRunEnded(Crash(false)).kind == Verdict::kRelaunch);
  CHECK(tracker.OnRunEnded(Crash(false)).kind == Verdict::kRelaunch);
  Verdict verdict = tracker.OnRunEnded(Crash(false));
  CHECK(verdict.kind == Verdict::kStopped);
  CHECK(verdict.exit_code == kExitGaveUpNoProgress);
}

TEST_CASE("With --max-restarts 0 nothing is relaunched: the job's own status") {
  RestartPolicy policy;
  policy.max_restarts = 0;
  RestartTracker tracker{policy};
  Verdict verdict = tracker.OnRunEnded(Crash(false));
  CHECK(verdict.kind == Verdict::kStopped);
  CHECK(verdict.exit_code == 137);
}

TEST_CASE("A stalled run counts as no progress even if it sent records") {
  RestartPolicy policy;
  policy.no_progress_limit = 1;
  RestartTracker tracker{policy};
  RunOutcome stalled = Crash(true);
  stalled.stalled = true;
  CHECK(tracker.OnRunEnded(stalled).exit_code == kExitGaveUpNoProgress);
}

TEST_CASE("A stop request means 75, a terminal SIGINT 130, neither relaunches") {
  RestartTracker tracker{RestartPolicy{}};
  RunOutcome stopped = Crash(false);
  stopped.stop_requested = true;
  CHECK(tracker.OnRunEnded(stopped).exit_code == kExitInterrupted);
  RunOutcome interrupted;
  interrupted.exit_code = 130;
  interrupted.killed_by_sigint = true;
  Verdict verdict = tracker.OnRunEnded(interrupted);
  CHECK(verdict.kind == Verdict::kStopped);
  CHECK(verdict.exit_code == kExitTerminalInterrupt);
}

TEST_CASE("A stop is a stop: exit 0 after a stop keeps the checkpoint, only COMPLETE retires it") {
  RestartTracker tracker{RestartPolicy{}};
  RunOutcome saved_and_left;  // a job whose TERM handler saves and exits 0
  saved_and_left.stop_requested = true;
  Verdict verdict = tracker.OnRunEnded(saved_and_left);
  CHECK(verdict.kind == Verdict::kStopped);
  CHECK(verdict.exit_code == kExitInterrupted);
  CHECK_FALSE(verdict.retire);
  RunOutcome completed = saved_and_left;
  completed.job_complete = true;
  verdict = tracker.OnRunEnded(completed);
  CHECK(verdict.kind == Verdict::kSucceeded);
  CHECK(verdict.retire);
}

TEST_CASE("Restart modes and do-not-retry codes decide whether a run is relaunched") {
  RestartPolicy never;
  never.mode = RestartMode::kNever;
  CHECK(RestartTracker{never}.OnRunEnded(Crash(true)).exit_code == 137);

  RestartPolicy always;
  always.mode = RestartMode::kAlways;
  RunOutcome ok;
  ok.progressed = true;
  RestartTracker always_tracker{always};
  CHECK(always_tracker.OnRunEnded(ok).kind == Verdict::kRelaunch);
  ok.job_complete = true;
  CHECK(always_tracker.OnRunEnded(ok).kind == Verdict::kSucceeded);

  RestartPolicy codes;
  REQUIRE(ParseExitCodes("2,64", &codes.no_restart_codes));
  RunOutcome usage_error;
  usage_error.exit_code = 64;
  Verdict verdict = RestartTracker{codes}.OnRunEnded(usage_error);
  CHECK(verdict.kind == Verdict::kStopped);
  CHECK(verdict.exit_code == 64);
}

TEST_CASE("COMPLETE then a failure is not relaunched and retires") {
  RestartTracker tracker{RestartPolicy{}};
  RunOutcome outcome = Crash(true);
  outcome.job_complete = true;
  Verdict verdict = tracker.OnRunEnded(outcome);
  CHECK(verdict.kind == Verdict::kStopped);
  CHECK(verdict.exit_code == 137);
  CHECK(verdict.retire);
}

TEST_CASE("Restart modes and exit code lists parse, and malformed ones are refused") {
  RestartMode mode;
  CHECK(ParseRestartMode("always", &mode));
  CHECK(mode == RestartMode::kAlways);
  CHECK_FALSE(ParseRestartMode("sometimes", &mode));
  std::vector<int> codes;
  CHECK(ParseExitCodes("0,255", &codes));
  CHECK(codes == std::vector<int>{0, 255});
  CHECK_FALSE(ParseExitCodes("256", &codes));
  CHECK_FALSE(ParseExitCodes("1,,2", &codes));
  CHECK_FALSE(ParseExitCodes("", &codes));
  CHECK_FALSE(ParseExitCodes("-1", &codes));
}

TEST_SUITE_END();
