#include "cli/job_status.h"

#include <algorithm>
#include <sstream>

#include "base/clock.h"
#include "base/exit_codes.h"
#include "base/log.h"
#include "store/checkpoint_json.h"
#include "store/checkpoint_store.h"
#include "store/filenames.h"
#include "store/last_exit.h"
#include "store/state_lock.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

StatusSnapshot SnapshotOf(const Checkpoint& c) {
  StatusSnapshot s;
  s.progress_done = c.progress_done;
  s.progress_total = c.progress_total;
  s.done = c.done.size();
  s.failed = c.failures.size();
  return s;
}

// What the local checkpoint holds past what the uploader said it uploaded:
// the whole generation if the bucket lacks its snapshot, else the journal's tail.
uint64_t PendingBytes(const LoadedCheckpoint& loaded, const ReplicaStatus& replica) {
  FileType type;
  uint64_t generation = 0;
  const std::string name = loaded.path.substr(loaded.path.rfind('/') + 1);
  if (!loaded.found || !ParseFileName(name, &type, &generation)) return 0;
  if (generation != replica.uploaded_generation)
    return loaded.snapshot_bytes + loaded.journal_bytes;
  return loaded.journal_bytes > replica.uploaded_journal_bytes
             ? loaded.journal_bytes - replica.uploaded_journal_bytes
             : 0;
}

}  // namespace

int64_t JobStatus::ReplicaLagMs() const {
  if (!has_replica || replica_pending_bytes == 0) return 0;
  return std::max<int64_t>(0, checkpoint.updated_unix_ms - replica.uploaded_commit_unix_ms);
}

std::string JobStatus::State() const {
  if (!damage.empty()) return "damaged";
  if (supervisor_pid != 0) return "running";
  if (!found) return "new";
  if (checkpoint.complete) return "complete";
  return last_exit == kExitGaveUpNoProgress ? "stuck" : "stopped";
}

int64_t JobStatus::AgeMs() const {
  return found && checkpoint.updated_unix_ms > 0 ? now_ms - checkpoint.updated_unix_ms : -1;
}

double JobStatus::Rate() const {
  const Checkpoint& c = checkpoint;
  if (!found || c.created_unix_ms <= 0 || c.updated_unix_ms <= c.created_unix_ms) return -1;
  return static_cast<double>(ItemsOf(SnapshotOf(c))) * 1000.0 /
         static_cast<double>(c.updated_unix_ms - c.created_unix_ms);
}

int64_t JobStatus::EtaSeconds() const {
  if (found && checkpoint.complete) return 0;
  if (supervisor_pid == 0) return -1;
  return ckwrap::EtaSeconds(SnapshotOf(checkpoint), Rate());
}

void LoadStatus(const std::string& dir, JobStatus* out) {
  out->dir = dir;
  out->now_ms = NowUnixMs();
  out->supervisor_pid = LockHolderPid(dir);
  out->last_exit = ReadLastExit(dir);
  LoadedCheckpoint loaded;
  Status status = CheckpointStore(dir).Load(&loaded);
  if (!status.ok()) {
    LogError(status.message());
    out->damage = status.message();
    return;
  }
  for (const auto& warning : loaded.warnings) LogError("checkpoint rejected: " + warning);
  out->found = loaded.found;
  if (loaded.found) out->checkpoint = loaded.checkpoint;
  out->has_replica = ReadReplicaStatus(dir, &out->replica);
  if (out->has_replica) out->replica_pending_bytes = PendingBytes(loaded, out->replica);
}

void WriteReplicaJson(const JobStatus& s, JsonWriter* out) {
  JsonWriter& json = *out;
  if (!s.has_replica) {
    json.Null();
    return;
  }
  const ReplicaStatus& r = s.replica;
  json.BeginObject().Key("url").String(r.url);
  json.Key("uploaded_generation").Number(r.uploaded_generation);
  json.Key("uploaded_journal_bytes").Number(r.uploaded_journal_bytes);
  json.Key("last_uploaded_commit_unix_ms").Number(r.uploaded_commit_unix_ms);
  json.Key("pending_bytes").Number(s.replica_pending_bytes);
  json.Key("lag_ms").Number(s.ReplicaLagMs());
  json.Key("fenced").Bool(r.fenced);
  json.Key("error").StringOrNull(!r.last_error.empty(), r.last_error);
  json.EndObject();
}

void WriteJobJson(const JobStatus& s, JsonWriter* out) {
  const Checkpoint& c = s.checkpoint;
  JsonWriter& json = *out;
  json.BeginObject().Key("dir").String(s.dir).Key("state").String(s.State());
  json.Key("found").Bool(s.found);
  json.Key("position").StringOrNull(s.found && c.has_position, c.position);
  json.Key("done").Number(c.done.size()).Key("failed").Number(c.failures.size());
  json.Key("progress_done").Number(c.progress_done);
  json.Key("progress_total").Number(c.progress_total);
  json.Key("records").Number(c.records).Key("attempts").Number(c.attempts);
  json.Key("restarts").Number(c.restarts).Key("complete").Bool(c.complete);
  json.Key("last_commit_unix_ms").Number(s.found ? c.updated_unix_ms : 0);
  json.Key("last_commit_age_ms").Number(s.AgeMs());
  json.Key("rate");
  if (s.Rate() >= 0)
    json.Fixed(s.Rate(), 3);
  else
    json.Null();
  json.Key("eta_s").Number(s.EtaSeconds()).Key("last_exit").Number(s.last_exit);
  json.Key("running").Bool(s.supervisor_pid != 0);
  json.Key("supervisor_pid").Number(s.supervisor_pid).Key("job_state");
  WriteStateJson(c.state, &json);
  json.Key("replica");
  WriteReplicaJson(s, &json);
  if (!s.damage.empty()) json.Key("error").String(s.damage);
  json.EndObject();
}

std::string HumanAge(int64_t ms) {
  if (ms < 0) return "-";
  int64_t s = ms / 1000;
  std::ostringstream out;
  if (s < 60) {
    out << s << "s";
  } else if (s < 3600) {
    out << s / 60 << "m" << s % 60 << "s";
  } else if (s < 86400) {
    out << s / 3600 << "h" << (s % 3600) / 60 << "m";
  } else {
    out << s / 86400 << "d" << (s % 86400) / 3600 << "h";
  }
  return out.str();
}

}  // namespace ckwrap
