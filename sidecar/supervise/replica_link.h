// The loop's side of --replicate: builds the uploader (store/replicator.h)
// from the options and the AWS_* variables, hands it each durable commit,
// logs its failures (rate-limited) and its recovery, and gives the run's end
// a bounded wait for the last uploads (man/ckwrap.1, --replicate).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/rate_limited_log.h"
#include "base/status.h"
#include "store/checkpoint_store.h"
#include "store/replicator.h"
#include "supervise/run_options.h"

namespace ckwrap {

class ReplicaLink {
 public:
  // *out stays null without --replicate. on_change runs on the loop after
  // each upload attempt. An error names the option or the variable.
  static Status Make(const RunOptions& options, uv_loop_t* loop, const Directory* dir,
                     std::function<void()> on_change, std::unique_ptr<ReplicaLink>* out);
  ReplicaLink(std::unique_ptr<Replicator> replicator, uv_loop_t* loop, const RunOptions& options,
              std::function<void()> on_change);
  ReplicaLink(const ReplicaLink&) = delete;
  ReplicaLink& operator=(const ReplicaLink&) = delete;

  void OnCommitted(const CheckpointStore& store);
  // The run ends: upload what is committed now, and wait --replicate-final-wait at most.
  void BeginFinal();
  // The run's end need not wait any longer: all uploaded, fenced, or the wait is over.
  bool settled() const;
  // Reading the job pauses while more than --replicate-max-pending waits.
  bool holds_back_reading() const { return replicator_->pending_bytes() > max_pending_bytes_; }
  bool fenced() const { return replicator_->fenced(); }
  // Stops the uploader; says what the bucket lacks, if anything.
  void Close();

 private:
  void OnProgress();

  std::unique_ptr<Replicator> replicator_;
  uint64_t max_pending_bytes_;
  uint64_t final_wait_ms_;
  std::function<void()> on_change_;
  uv_timer_t final_timer_{};
  bool final_over_ = false;
  bool failing_ = false;  // the last attempt failed: its recovery is said once
  bool closed_ = false;
  RateLimitedLog failures_{"replica not updated"};
};

}  // namespace ckwrap
