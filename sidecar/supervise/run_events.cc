#include "supervise/run_events.h"

#include "base/json_writer.h"
#include "supervise/exit_status.h"

namespace ckwrap {

void EmitLaunch(EventLog* events, const Checkpoint& checkpoint, pid_t pid) {
  events->Emit("launch", {{"attempt", std::to_string(checkpoint.attempts)},
                          {"pid", std::to_string(pid)},
                          {"resume_from", checkpoint.has_position ? JsonString(checkpoint.position)
                                                                  : std::string("null")}});
}

void EmitExit(EventLog* events, uint64_t attempt, int wait_status) {
  const int signal = TermSignalOf(wait_status);
  events->Emit("exit", {{"attempt", std::to_string(attempt)},
                        {"status", std::to_string(ExitCodeOf(wait_status))},
                        {"signal", signal != 0 ? std::to_string(signal) : std::string("null")}});
}

void EmitRestart(EventLog* events, uint64_t delay_ms, uint64_t runs_without_progress) {
  events->Emit("restart", {{"delay_ms", std::to_string(delay_ms)},
                           {"runs_without_progress", std::to_string(runs_without_progress)}});
}

void EmitFinish(EventLog* events, int exit_code, const std::string& summary) {
  events->Emit("finish", {{"status", std::to_string(exit_code)}, {"summary", JsonString(summary)}});
}

void EmitCommit(EventLog* events, uint64_t records, bool snapshot, uint64_t duration_us) {
  events->Emit("commit", {{"records", std::to_string(records)},
                          {"snapshot", snapshot ? "true" : "false"},
                          {"duration_us", std::to_string(duration_us)}});
}

}  // namespace ckwrap
