// The uploader of --replicate (issue 20; man/ckwrap-checkpoint.5,
// REPLICATION). A thread of its own copies what the store has made durable
// into the bucket, reading the state directory's files, so that neither the
// job nor the loop ever waits on the network. It holds positions, not bytes:
// what waits to be uploaded waits on the local disk, and only the newest
// generation is ever uploaded (a newer snapshot makes an older generation's
// journal moot).
//
// Each attempt: check that no newer snapshot is in the bucket (another
// writer's), upload the newest local snapshot if the bucket lacks it, then
// the journal's durable bytes past what was uploaded, as one new piece.
// After a snapshot, the generations below the previous one are deleted: the
// bucket keeps the newest and one to fall back to, as the directory does.
// Every object is created only if absent; a name found taken by other bytes,
// or a newer snapshot, means another writer has the prefix (FENCING): fenced,
// nothing more is uploaded. Other failures are retried with backoff.
#pragma once

#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "store/directory.h"
#include "store/replica_names.h"
#include "store/replica_status.h"
#include "store/s3_client.h"

namespace ckwrap {

// What the store has made durable, after a commit.
struct LocalCommit {
  uint64_t generation = 0;  // the newest snapshot, checkpoint.<generation>
  uint64_t snapshot_bytes = 0;
  uint64_t journal_bytes = 0;  // the durable part of journal.<generation>
  int64_t unix_ms = 0;         // when the commit was made
};

class Replicator {
 public:
  // dir must outlive this.
  // More than half of max_pending_bytes waiting is uploaded without waiting
  // for the interval: reading the job may be held back at max_pending_bytes.
  Replicator(uv_loop_t* loop, const Directory* dir, ReplicaLocation at, S3Config config,
             uint64_t interval_ms, uint64_t max_pending_bytes);
  ~Replicator();  // Stop()
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Starts the thread. on_progress runs on the loop thread after each
  // attempt (status(), fenced() and pending_bytes() may have changed).
  void Start(std::function<void()> on_progress);
  // Loop thread, after each durable commit.
  void OnCommitted(const LocalCommit& commit);
  // Uploads what is committed now rather than at the interval, and retries a
  // failure sooner (a stop, the run's end).
  void Flush();
  // Ends the thread after the request in progress, and closes the loop handle.
  void Stop();

  // Loop thread. Bytes committed locally that the bucket lacks.
  uint64_t pending_bytes() const;
  bool caught_up() const { return pending_bytes() == 0; }
  bool fenced() const;
  ReplicaStatus status() const;

 private:
  using SteadyClock = std::chrono::steady_clock;
  static constexpr uint64_t kMinBackoffMs = 500;
  static constexpr uint64_t kMaxBackoffMs = 30000;
  // After Flush (the run is ending and waits for its last uploads): a store
  // that comes back is noticed within this.
  static constexpr uint64_t kMaxFlushBackoffMs = 2000;

  void ThreadMain();
  bool WaitForWork(std::unique_lock<std::mutex>& lock);
  bool ReadyLocked(SteadyClock::time_point now) const;
  bool DueNowLocked() const;
  uint64_t PendingLocked() const;
  Status Attempt(const LocalCommit& target);
  Status CheckFence(uint64_t generation);
  Status UploadSnapshot(const LocalCommit& target);
  void PruneBelow(uint64_t generation);
  Status UploadJournalPiece(const LocalCommit& target);
  Status CreateOnce(const std::string& key, const std::string& bytes);
  void AfterAttempt(const LocalCommit& target, const Status& result);

  uv_loop_t* loop_;
  const Directory* dir_;
  const ReplicaLocation at_;
  const uint64_t interval_ms_;
  const uint64_t max_pending_bytes_;
  std::function<void()> on_progress_;
  uv_async_t progress_async_{};
  bool async_open_ = false;
  std::unique_ptr<S3Client> client_;  // used on the thread only
  std::atomic<bool> abort_{false};    // Stop: the request in progress ends now
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  // Under mu_.
  LocalCommit committed_;
  bool has_commit_ = false;
  bool flush_ = false;
  bool flushed_ = false;  // Flush was called: the shorter backoff from then on
  bool stop_ = false;
  bool attempt_running_ = false;
  int64_t oldest_pending_ms_ = 0;  // the oldest commit the bucket lacks; 0: none
  int64_t first_since_attempt_ms_ = 0;
  SteadyClock::time_point retry_at_{};     // after a failure
  SteadyClock::time_point interval_at_{};  // the next journal piece
  uint64_t backoff_ms_ = kMinBackoffMs;
  ReplicaStatus status_;
  uint64_t next_piece_ = 1;  // of status_.uploaded_generation's journal
  // Thread only: when the bucket was last listed for a newer snapshot.
  SteadyClock::time_point fence_checked_at_{};
};

}  // namespace ckwrap
