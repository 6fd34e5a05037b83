#include "supervise/replica_link.h"

#include <utility>

#include "base/clock.h"
#include "base/log.h"
#include "store/s3_config.h"

namespace ckwrap {

Status ReplicaLink::Make(const RunOptions& options, uv_loop_t* loop, const Directory* dir,
                         std::function<void()> on_change, std::unique_ptr<ReplicaLink>* out) {
  if (options.replicate.empty()) return Status::Ok();
  ReplicaLocation at;
  Status status = ParseReplicaUrl(options.replicate, &at);
  S3Config config;
  if (status.ok()) status = S3ConfigFromEnvironment(&config);
  if (!status.ok()) return status;
  // A large snapshot may take long; a transfer that stalls fails after
  // S3Config's stall_timeout_ms and is retried.
  config.request_timeout_ms = 0;
  auto replicator = std::make_unique<Replicator>(loop, dir, std::move(at), std::move(config),
                                                 options.replicate_interval_ms,
                                                 options.replicate_max_pending_bytes);
  *out = std::make_unique<ReplicaLink>(std::move(replicator), loop, options, std::move(on_change));
  return Status::Ok();
}

ReplicaLink::ReplicaLink(std::unique_ptr<Replicator> replicator, uv_loop_t* loop,
                         const RunOptions& options, std::function<void()> on_change)
    : replicator_(std::move(replicator)),
      max_pending_bytes_(options.replicate_max_pending_bytes),
      final_wait_ms_(options.replicate_final_wait_ms),
      on_change_(std::move(on_change)) {
  uv_timer_init(loop, &final_timer_);
  final_timer_.data = this;
  replicator_->Start([this] { OnProgress(); });
}

void ReplicaLink::OnCommitted(const CheckpointStore& store) {
  replicator_->OnCommitted(
      {store.generation(), store.snapshot_bytes(), store.journal_bytes(), NowUnixMs()});
}

void ReplicaLink::BeginFinal() {
  replicator_->Flush();
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&final_timer_))) return;
  uv_timer_start(
      &final_timer_,
      [](uv_timer_t* timer) {
        auto* self = static_cast<ReplicaLink*>(timer->data);
        self->final_over_ = true;
        self->on_change_();
      },
      final_wait_ms_, 0);
}

bool ReplicaLink::settled() const {
  return final_over_ || replicator_->fenced() || replicator_->caught_up();
}

void ReplicaLink::OnProgress() {
  const ReplicaStatus status = replicator_->status();
  if (status.fenced) {
    LogError("replica not updated: " + status.last_error);
  } else if (!status.last_error.empty()) {
    failures_.Error("replica not updated (retrying; the local checkpoint is intact): " +
                    status.last_error);
    failing_ = true;
  } else if (failing_) {
    failures_.Flush();
    LogInfo("replica " + status.url + " reachable again; uploads resumed");
    failing_ = false;
  }
  on_change_();
}

void ReplicaLink::Close() {
  if (closed_) return;
  closed_ = true;
  const ReplicaStatus status = replicator_->status();
  replicator_->Stop();
  if (status.pending_bytes > 0 && !status.fenced) {
    LogError("replica " + status.url + " lacks the last " + std::to_string(status.pending_bytes) +
             " bytes committed (" + std::to_string(status.lag_ms) +
             " ms of progress); the local checkpoint has them, and the next run here uploads "
             "them");
  }
}

}  // namespace ckwrap
