#include "supervise/requeue.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/log.h"

extern char** environ;

namespace ckwrap {
namespace {

std::string Get(const std::map<std::string, std::string>& env, const char* name) {
  auto found = env.find(name);
  return found == env.end() ? std::string() : found->second;
}

bool ParseCount(const std::string& text, uint64_t* count) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  *count = std::strtoull(text.c_str(), nullptr, 10);
  return true;
}

}  // namespace

RequeuePlan PlanRequeue(const std::map<std::string, std::string>& env, uint64_t max_requeues) {
  RequeuePlan plan;
  const std::string job = Get(env, "SLURM_JOB_ID");
  if (job.empty()) {
    plan.message = "not requeued: SLURM_JOB_ID is not set (not a Slurm batch job)";
    return plan;
  }
  // An array task is requeued by its own id, not the whole array's.
  const std::string array_job = Get(env, "SLURM_ARRAY_JOB_ID");
  const std::string array_task = Get(env, "SLURM_ARRAY_TASK_ID");
  plan.job_id = !array_job.empty() && !array_task.empty() ? array_job + "_" + array_task : job;
  uint64_t restarts = 0;
  ParseCount(Get(env, "SLURM_RESTART_COUNT"), &restarts);  // unset on the first allocation
  if (restarts >= max_requeues) {
    plan.message = "not requeued: job " + plan.job_id + " was requeued " +
                   std::to_string(restarts) + " times, --max-requeues is " +
                   std::to_string(max_requeues) +
                   "; resubmit it (or raise --max-requeues) to resume";
    return plan;
  }
  plan.requeue = true;
  plan.message = "requeueing job " + plan.job_id + " (requeue " + std::to_string(restarts + 1) +
                 " of at most " + std::to_string(max_requeues) + ")";
  return plan;
}

bool RequeueThisJob(uint64_t max_requeues) {
  std::map<std::string, std::string> env;
  for (const char* name :
       {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_RESTART_COUNT"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  const RequeuePlan plan = PlanRequeue(env, max_requeues);
  if (!plan.requeue) {
    LogError(plan.message);
    return false;
  }
  LogInfo(plan.message);
  // scontrol with the signals ckwrap's loop handles back at their defaults.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> args = {"scontrol", "requeue", plan.job_id};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "scontrol", nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    LogError("not requeued: cannot run scontrol: " + std::string(std::strerror(spawned)) +
             "; resubmit the job to resume");
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    LogError("not requeued: scontrol requeue " + plan.job_id +
             " failed (its message is above); resubmit the job to resume");
    return false;
  }
  LogInfo("job " + plan.job_id + " requeued; it resumes from the checkpoint when it starts again");
  return true;
}

}  // namespace ckwrap
