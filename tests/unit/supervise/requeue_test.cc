#include "supervise/requeue.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

TEST_CASE("a batch job is requeued by its id while under the cap") {
  RequeuePlan plan = PlanRequeue({{"SLURM_JOB_ID", "42"}}, 3);
  CHECK(plan.requeue);
  CHECK(plan.job_id == "42");
  CHECK(plan.message.find("requeue 1 of at most 3") != std::string::npos);
  plan = PlanRequeue({{"SLURM_JOB_ID", "42"}, {"SLURM_RESTART_COUNT", "2"}}, 3);
  CHECK(plan.requeue);
}

TEST_CASE("an array task is requeued by its own id") {
  RequeuePlan plan = PlanRequeue(
      {{"SLURM_JOB_ID", "57"}, {"SLURM_ARRAY_JOB_ID", "55"}, {"SLURM_ARRAY_TASK_ID", "2"}}, 3);
  CHECK(plan.requeue);
  CHECK(plan.job_id == "55_2");
}

TEST_CASE("the cap and a missing job id say why there is no requeue") {
  RequeuePlan plan = PlanRequeue({{"SLURM_JOB_ID", "42"}, {"SLURM_RESTART_COUNT", "3"}}, 3);
  CHECK_FALSE(plan.requeue);
  CHECK(plan.message.find("requeued 3 times, --max-requeues is 3") != std::string::npos);
  CHECK_FALSE(PlanRequeue({{"SLURM_JOB_ID", "42"}}, 0).requeue);
  plan = PlanRequeue({}, 3);
  CHECK_FALSE(plan.requeue);
  CHECK(plan.message.find("SLURM_JOB_ID is not set") != std::string::npos);
}

}  // namespace
}  // namespace ckwrap
