// The --replicate options (issue 20), one group of RunFlags().
#include "cli/replicate_flags.h"

#include "cli/option_values.h"
#include "cli/options.h"
#include "store/replica_names.h"

namespace ckwrap {
namespace {

using RunFlag = Flag<RunOptions>;

Status SetReplicate(const std::string&, const std::string& value, RunOptions* out) {
  ReplicaLocation location;
  Status parsed = ParseReplicaUrl(value, &location);
  if (parsed.ok()) out->replicate = value;
  return parsed;
}

Status SetReplicateMaxPending(const std::string& flag, const std::string& value, RunOptions* out) {
  uint64_t bytes = 0;
  if (!ParseUnsigned(value, &bytes) || bytes == 0)
    return BadValue(flag, value, "a byte count above 0");
  out->replicate_max_pending_bytes = bytes;
  return Status::Ok();
}

}  // namespace

std::vector<Flag<RunOptions>> WithReplicateFlags(std::vector<Flag<RunOptions>> flags) {
  // --help lists them after --input, before --resume-anyway.
  const std::vector<RunFlag> replicate = {
      {"--replicate", "CKWRAP_REPLICATE", "s3://BUCKET/PREFIX", nullptr,
       "also keep the checkpoint in an S3-compatible bucket (credentials and endpoint from the "
       "AWS_* variables); a run with no local checkpoint resumes from there",
       SetReplicate},
      {"--replicate-interval", "CKWRAP_REPLICATE_INTERVAL", "DURATION", "5s",
       "upload the journal's new commits at most every DURATION (and at every stop and at the "
       "end)",
       Duration(&RunOptions::replicate_interval_ms)},
      {"--replicate-max-pending", "CKWRAP_REPLICATE_MAX_PENDING", "BYTES", "67108864",
       "pause reading the job while more than BYTES of committed progress wait to be uploaded",
       SetReplicateMaxPending},
      {"--replicate-final-wait", "CKWRAP_REPLICATE_FINAL_WAIT", "DURATION", "20s",
       "at the run's end (a stop, a give-up, completion), wait at most DURATION for the last "
       "uploads",
       Duration(&RunOptions::replicate_final_wait_ms)},
  };
  auto at = flags.begin();
  while (at != flags.end() && std::string(at->name) != "--resume-anyway") ++at;
  flags.insert(at, replicate.begin(), replicate.end());
  return flags;
}

}  // namespace ckwrap
