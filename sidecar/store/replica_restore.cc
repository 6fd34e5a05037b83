#include "store/replica_restore.h"

#include <errno.h>

#include "store/checkpoint_format.h"
#include "store/durable_file.h"
#include "store/file_ops.h"
#include "store/filenames.h"
#include "store/replica_plan.h"
#include "store/snapshot_reader.h"

namespace ckwrap {
namespace {

std::string ObjectUrl(const ReplicaLocation& at, const std::string& key) {
  return "s3://" + at.bucket + "/" + key;
}

// Said of every failure to read the bucket: a run that cannot see its
// replica must not mistake it for an empty one.
Status Unreadable(const ReplicaLocation& at, const Status& cause) {
  return Status::IoError(
      "the replica " + at.Url() +
      " could not be read, so the run is not starting from nothing: " + cause.message());
}

// Pieces newer than every snapshot hold commits that cannot be replayed
// (a journal holds only the changes since its snapshot): starting without
// them would silently lose them, as CheckOrphanJournals says of local files.
Status CheckNoNewerOrphans(const ReplicaLocation& at, const ReplicaPlan& plan) {
  const uint64_t newest = plan.generations.empty() ? 0 : plan.generations.front().generation;
  if (plan.orphan_journals.empty() || plan.orphan_journals.front() < newest) return Status::Ok();
  const uint64_t orphan = plan.orphan_journals.front();
  return Status::Corruption(
      "the replica " + at.Url() + " has journal pieces " + at.Url() + JournalFileName(orphan) +
      ".* but no snapshot " + ObjectUrl(at, ReplicaSnapshotKey(at, orphan)) +
      " to replay them on; not starting from an older state. Put the snapshot back, or delete "
      "those pieces from the bucket to accept the loss");
}

// GETs each piece and writes it, in order; *get_failed holds a failed GET,
// which is the bucket's fault, apart from a failed write, the disk's.
Status CopyPieces(S3Client* client, const std::vector<std::string>& keys, const PieceWriter& write,
                  Status* get_failed) {
  for (const std::string& key : keys) {
    std::string bytes;
    *get_failed = client->Get(key, &bytes);
    if (!get_failed->ok()) return *get_failed;
    Status written = write(bytes);
    if (!written.ok()) return written;
  }
  return Status::Ok();
}

// The pieces, in order, as one file: never held whole in memory.
Status DownloadJournal(S3Client* client, const ReplicaLocation& at, const Directory& dir,
                       const ReplicaGeneration& generation) {
  Status get_failed;
  Status status = DurableReplacePieces(
      dir, JournalFileName(generation.generation), [&](const PieceWriter& write) {
        return CopyPieces(client, generation.journal_keys, write, &get_failed);
      });
  return get_failed.ok() ? status : Unreadable(at, get_failed);
}

// A snapshot that does not verify, kept for a human under a name Load ignores:
// if nothing is restored, the next run asks the replica again.
Status SetAside(const ReplicaLocation& at, const Directory& dir,
                const ReplicaGeneration& generation, const std::string& bytes, const Status& reason,
                RestoreResult* result) {
  Status status =
      DurableReplace(dir, RejectedFileName(SnapshotFileName(generation.generation)), bytes);
  if (!status.ok()) return status;
  result->refused.push_back(
      {generation.generation, ObjectUrl(at, generation.snapshot_key), reason.message()});
  return Status::Ok();
}

// Once an older generation is in place, each refused snapshot takes back its
// name, so that Load reports it and continues numbering past it, as for a
// corrupt local file: the next generation this run writes, and uploads, is
// then one the bucket has not taken (its objects are create-only). The
// run's first commit sets them aside again (the prune of newer generations).
Status HoldRefusedNumbers(const Directory& dir, const RestoreResult& result) {
  for (const RefusedSnapshot& refused : result.refused) {
    const std::string name = SnapshotFileName(refused.generation);
    const std::string aside = RejectedFileName(name);
    if (file_ops().RenameNoReplace(dir.fd(), aside.c_str(), name.c_str()) != 0) {
      return Status::FromErrno("rename to " + dir.PathOf(name) + " from", dir.PathOf(aside), errno);
    }
  }
  return result.refused.empty() ? Status::Ok() : FsyncDir(dir);
}

// Downloads one generation; *verified false when its snapshot was refused.
Status TryGeneration(S3Client* client, const ReplicaLocation& at, const Directory& dir,
                     const ReplicaGeneration& generation, bool* verified, RestoreResult* result) {
  *verified = false;
  std::string bytes;
  Status status = client->Get(generation.snapshot_key, &bytes);
  if (!status.ok()) return Unreadable(at, status);
  Checkpoint decoded;
  status = DecodeCheckpoint(bytes, &decoded);
  if (status.IsCorruption()) return SetAside(at, dir, generation, bytes, status, result);
  if (!status.ok()) return status;
  // The journal first: its snapshot's name is what makes the pair a generation.
  // No pieces: no journal yet, as after a local snapshot.
  if (!generation.journal_keys.empty()) status = DownloadJournal(client, at, dir, generation);
  if (!status.ok()) return status;
  status = DurableReplace(dir, SnapshotFileName(generation.generation), bytes);
  // Not left without its snapshot, which Load would refuse at the next run.
  if (!status.ok()) {
    (void)file_ops().Unlink(dir.fd(), JournalFileName(generation.generation).c_str());
    return status;
  }
  *verified = true;
  return HoldRefusedNumbers(dir, *result);
}

// Load, as for a local generation: its torn-tail and damage rules apply.
Status LoadRestored(CheckpointStore* store, const ReplicaLocation& at,
                    const ReplicaGeneration& generation, LoadedCheckpoint* loaded,
                    RestoreResult* result) {
  Status status = store->Load(loaded);
  const std::string from =
      "restored from " + ObjectUrl(at, generation.snapshot_key) + " into " + store->dir();
  if (!status.ok()) {
    return status.IsCorruption() ? Status::Corruption(from + ": " + status.message())
                                 : Status::IoError(from + ": " + status.message());
  }
  if (!loaded->found) return Status::IoError(from + ": no checkpoint found there afterwards");
  result->restored = true;
  result->generation = generation.generation;
  result->snapshot_key = generation.snapshot_key;
  result->journal_pieces = generation.journal_keys.size();
  result->pieces_after_gap = generation.pieces_after_gap;
  return Status::Ok();
}

Status NoneVerifies(const ReplicaLocation& at, const Directory& dir, const RestoreResult& result) {
  std::string all;
  for (const RefusedSnapshot& refused : result.refused) {
    all += (all.empty() ? "" : "; ") + refused.object_url + ": " + refused.reason;
  }
  return Status::Corruption("no snapshot in the replica " + at.Url() +
                            " verifies, so the run is not starting from nothing: " + all +
                            " (each set aside in " + dir.path() + " as checkpoint.<G>.rejected)");
}

}  // namespace

Status RestoreFromReplica(S3Client* client, const ReplicaLocation& at, CheckpointStore* store,
                          LoadedCheckpoint* loaded, RestoreResult* result) {
  *result = RestoreResult();
  std::vector<std::string> keys;
  Status status = client->List(at.prefix, &keys);
  if (!status.ok()) return Unreadable(at, status);
  const ReplicaPlan plan = PlanReplicaRestore(at, keys);
  status = CheckNoNewerOrphans(at, plan);
  if (!status.ok()) return status;
  // A snapshot is held whole, as Load holds a local one.
  client->set_max_get_bytes(static_cast<size_t>(checkpoint_format::kMaxFileBytes));
  for (const ReplicaGeneration& generation : plan.generations) {
    bool verified = false;
    status = TryGeneration(client, at, store->directory(), generation, &verified, result);
    if (!status.ok()) return status;
    if (verified) return LoadRestored(store, at, generation, loaded, result);
  }
  return result->refused.empty() ? Status::Ok() : NoneVerifies(at, store->directory(), *result);
}

}  // namespace ckwrap
