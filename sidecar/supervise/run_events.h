// The --events lines of a run's milestones, built from what the supervisor
// knows (event_log.h lists every event).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "store/checkpoint.h"
#include "supervise/event_log.h"

namespace ckwrap {

void EmitLaunch(EventLog* events, const Checkpoint& checkpoint, pid_t pid);
void EmitExit(EventLog* events, uint64_t attempt, int wait_status);
void EmitRestart(EventLog* events, uint64_t delay_ms, uint64_t runs_without_progress);
void EmitFinish(EventLog* events, int exit_code, const std::string& summary);
void EmitCommit(EventLog* events, uint64_t records, bool snapshot, uint64_t duration_us);

}  // namespace ckwrap
