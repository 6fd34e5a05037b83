#include "cli/replica_start.h"

#include "base/escape.h"
#include "base/log.h"
#include "store/replica_names.h"
#include "store/replica_restore.h"
#include "store/s3_client.h"
#include "store/s3_config.h"

namespace ckwrap {
namespace {

std::string Resumed(const RestoreResult& result, const LoadedCheckpoint& loaded,
                    const ReplicaLocation& at) {
  const Checkpoint& checkpoint = loaded.checkpoint;
  return "restored from the replica: s3://" + at.bucket + "/" + result.snapshot_key +
         " (generation " + std::to_string(result.generation) + ", " +
         std::to_string(result.journal_pieces) + " journal pieces, " +
         std::to_string(loaded.journal_commits) + " commits) into " + loaded.path + ": " +
         std::to_string(checkpoint.done.size()) + " done ids, " +
         (checkpoint.has_position ? "position " + Printable(checkpoint.position)
                                  : std::string("no position"));
}

void LogRestore(const RestoreResult& result, const LoadedCheckpoint& loaded,
                const ReplicaLocation& at) {
  for (const RefusedSnapshot& refused : result.refused) {
    LogError("replica snapshot refused: " + refused.object_url + ": " + refused.reason +
             "; trying the previous generation");
  }
  if (!result.restored) {
    LogInfo("the replica " + at.Url() + " holds no checkpoint: a fresh start");
    return;
  }
  if (result.pieces_after_gap > 0) {
    LogError("the replica's generation " + std::to_string(result.generation) + " has " +
             std::to_string(result.pieces_after_gap) + " journal pieces after a missing one (" +
             std::to_string(result.journal_pieces + 1) + "): not replayed");
  }
  LogInfo(Resumed(result, loaded, at));
}

}  // namespace

Status RestoreIfNoCheckpoint(const RunOptions& options, CheckpointStore* store,
                             LoadedCheckpoint* loaded) {
  if (options.replicate.empty() || loaded->found) return Status::Ok();
  ReplicaLocation at;
  Status status = ParseReplicaUrl(options.replicate, &at);
  if (!status.ok()) return status;
  S3Config config;
  status = S3ConfigFromEnvironment(&config);
  if (!status.ok()) return Status::Error("--replicate " + at.Url() + ": " + status.message());
  S3Client client(std::move(config), at.bucket);
  RestoreResult result;
  status = RestoreFromReplica(&client, at, store, loaded, &result);
  if (!status.ok()) return status;
  LogRestore(result, *loaded, at);
  return Status::Ok();
}

}  // namespace ckwrap
