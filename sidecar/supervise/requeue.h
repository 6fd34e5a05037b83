// --requeue-on SIG: a batch system's warning before the time limit (Slurm's
// `#SBATCH --signal=B:USR1@T`) stops the job as TERM does, checkpoint first;
// once the last checkpoint is durable ckwrap has Slurm requeue the job
// (`scontrol requeue`; Slurm itself never requeues on a time limit) and
// exits 75. The requeued job starts with the same id and resumes. Up to
// --max-requeues times, counted by Slurm's SLURM_RESTART_COUNT (the way
// submitit caps them); beyond the cap, or when Slurm refuses, ckwrap says so
// and still exits 75: the state directory resumes whatever runs it next.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ckwrap {

struct RequeuePlan {
  bool requeue = false;  // false: message says why not
  std::string job_id;    // what scontrol requeue is given
  std::string message;
};

// Decides from a Slurm job's environment (SLURM_JOB_ID, SLURM_ARRAY_JOB_ID,
// SLURM_ARRAY_TASK_ID, SLURM_RESTART_COUNT); pure, for the unit tests.
RequeuePlan PlanRequeue(const std::map<std::string, std::string>& env, uint64_t max_requeues);

// Plans from the process environment, runs `scontrol requeue ID` and logs
// what happened. Returns true when Slurm accepted the requeue.
bool RequeueThisJob(uint64_t max_requeues);

}  // namespace ckwrap
