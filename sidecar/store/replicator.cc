#include "store/replicator.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "store/durable_file.h"
#include "store/filenames.h"

namespace ckwrap {
namespace {

// A snapshot is read whole to be uploaded: the bound is only against a file
// that is not what the commit said it was.
constexpr size_t kMaxSnapshotBytes = size_t{1} << 40;

}  // namespace

Replicator::Replicator(uv_loop_t* loop, const Directory* dir, ReplicaLocation at, S3Config config,
                       uint64_t interval_ms, uint64_t max_pending_bytes)
    : loop_(loop),
      dir_(dir),
      at_(std::move(at)),
      interval_ms_(interval_ms),
      max_pending_bytes_(max_pending_bytes),
      client_(std::make_unique<S3Client>(std::move(config), at_.bucket)) {
  status_.url = at_.Url();
  client_->set_abort_flag(&abort_);
}

Replicator::~Replicator() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Replicator::Start(std::function<void()> on_progress) {
  on_progress_ = std::move(on_progress);
  uv_async_init(loop_, &progress_async_,
                [](uv_async_t* async) { static_cast<Replicator*>(async->data)->on_progress_(); });
  progress_async_.data = this;
  async_open_ = true;
  thread_ = std::thread([this] { ThreadMain(); });
}

void Replicator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  abort_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (async_open_) uv_close(reinterpret_cast<uv_handle_t*>(&progress_async_), nullptr);
  async_open_ = false;
}

void Replicator::OnCommitted(const LocalCommit& commit) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (oldest_pending_ms_ == 0) oldest_pending_ms_ = commit.unix_ms;
    if (attempt_running_ && first_since_attempt_ms_ == 0) first_since_attempt_ms_ = commit.unix_ms;
    committed_ = commit;
    has_commit_ = true;
  }
  wake_.notify_all();
}

void Replicator::Flush() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    flush_ = true;
    flushed_ = true;
    backoff_ms_ = kMinBackoffMs;
    retry_at_ = SteadyClock::time_point{};
  }
  wake_.notify_all();
}

uint64_t Replicator::pending_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return PendingLocked();
}

bool Replicator::fenced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_.fenced;
}

ReplicaStatus Replicator::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  ReplicaStatus copy = status_;
  copy.pending_bytes = PendingLocked();
  copy.lag_ms = copy.pending_bytes > 0 && oldest_pending_ms_ > 0
                    ? std::max<int64_t>(0, NowUnixMs() - oldest_pending_ms_)
                    : 0;
  return copy;
}

// A generation the bucket lacks is all pending, its snapshot and its journal.
uint64_t Replicator::PendingLocked() const {
  if (!has_commit_) return 0;
  if (status_.uploaded_generation != committed_.generation)
    return committed_.snapshot_bytes + committed_.journal_bytes;
  return committed_.journal_bytes -
         std::min(committed_.journal_bytes, status_.uploaded_journal_bytes);
}

// A snapshot goes at once; journal bytes wait for the interval unless a stop
// flushes them or they near the bound; nothing is tried before a failure's
// backoff has passed.
bool Replicator::ReadyLocked(SteadyClock::time_point now) const {
  if (PendingLocked() == 0 || now < retry_at_) return false;
  return DueNowLocked() || now >= interval_at_;
}

bool Replicator::DueNowLocked() const {
  return flush_ || status_.uploaded_generation != committed_.generation ||
         PendingLocked() >= max_pending_bytes_ / 2;
}

bool Replicator::WaitForWork(std::unique_lock<std::mutex>& lock) {
  while (!stop_ && !status_.fenced) {
    const SteadyClock::time_point now = SteadyClock::now();
    if (ReadyLocked(now)) return true;
    if (PendingLocked() == 0) {
      wake_.wait(lock);
      continue;
    }
    wake_.wait_until(lock, DueNowLocked() ? retry_at_ : std::max(retry_at_, interval_at_));
  }
  return false;
}

void Replicator::ThreadMain() {
  std::unique_lock<std::mutex> lock(mu_);
  while (WaitForWork(lock)) {
    const LocalCommit target = committed_;
    attempt_running_ = true;
    first_since_attempt_ms_ = 0;
    flush_ = false;
    lock.unlock();
    const Status result = Attempt(target);
    lock.lock();
    attempt_running_ = false;
    AfterAttempt(target, result);
    lock.unlock();
    // Advisory (for `status`): a failure here is the next attempt's to redo.
    (void)WriteReplicaStatus(*dir_, status());
    uv_async_send(&progress_async_);
    lock.lock();
  }
}

void Replicator::AfterAttempt(const LocalCommit& target, const Status& result) {
  const SteadyClock::time_point now = SteadyClock::now();
  status_.updated_unix_ms = NowUnixMs();
  if (result.ok()) {
    status_.last_error.clear();
    status_.uploaded_commit_unix_ms = target.unix_ms;
    oldest_pending_ms_ = first_since_attempt_ms_;
    backoff_ms_ = kMinBackoffMs;
    interval_at_ = now + std::chrono::milliseconds(interval_ms_);
    return;
  }
  status_.last_error = result.message();
  if (result.IsConflict()) status_.fenced = true;
  retry_at_ = now + std::chrono::milliseconds(backoff_ms_);
  backoff_ms_ = std::min(flushed_ ? kMaxFlushBackoffMs : kMaxBackoffMs, backoff_ms_ * 2);
}

Status Replicator::Attempt(const LocalCommit& target) {
  // A listing before each snapshot and at most once an interval between:
  // a stale writer learns it is fenced within the interval, and a job
  // catching up after an outage is not slowed by a listing per piece.
  const bool new_generation = status_.uploaded_generation != target.generation;
  const SteadyClock::time_point now = SteadyClock::now();
  Status status = Status::Ok();
  if (new_generation || now >= fence_checked_at_ + std::chrono::milliseconds(interval_ms_)) {
    status = CheckFence(target.generation);
    if (!status.ok()) return status;
    fence_checked_at_ = now;
  }
  if (new_generation) {
    status = UploadSnapshot(target);
    if (!status.ok()) return status;
    PruneBelow(target.generation);
    std::lock_guard<std::mutex> lock(mu_);
    status_.uploaded_generation = target.generation;
    status_.uploaded_journal_bytes = 0;
    next_piece_ = 1;
  }
  if (target.journal_bytes > status_.uploaded_journal_bytes) {
    status = UploadJournalPiece(target);
    if (!status.ok()) return status;
    std::lock_guard<std::mutex> lock(mu_);
    status_.uploaded_journal_bytes = target.journal_bytes;
    ++next_piece_;
  }
  return Status::Ok();
}

// A snapshot newer than this run's in the bucket is another writer's: this
// run has been replaced (FENCING rule 1, for the bucket).
Status Replicator::CheckFence(uint64_t generation) {
  std::vector<std::string> keys;
  Status listed = client_->List(at_.prefix + "checkpoint.", &keys);
  if (!listed.ok()) return listed;
  for (const std::string& key : keys) {
    ReplicaObject type;
    uint64_t found = 0, sequence = 0;
    if (ParseReplicaKey(at_, key, &type, &found, &sequence) && type == ReplicaObject::kSnapshot &&
        found > generation) {
      return Status::Conflict("s3://" + at_.bucket + "/" + key +
                              " is newer than this run's generation " + std::to_string(generation) +
                              ": another ckwrap writes " + at_.Url() +
                              " (or this state directory is older than the bucket: if no "
                              "other supervisor runs, remove it, and the next run resumes "
                              "from the bucket)");
    }
  }
  return Status::Ok();
}

Status Replicator::UploadSnapshot(const LocalCommit& target) {
  std::string bytes;
  Status read =
      ReadWholeFileAt(*dir_, SnapshotFileName(target.generation), kMaxSnapshotBytes, &bytes);
  if (!read.ok()) return read;  // a newer commit replaced it: the next attempt takes that one
  return CreateOnce(ReplicaSnapshotKey(at_, target.generation), bytes);
}

// Keeps generation and the newest one below it (the fallback a corrupt
// object leaves restore); deletes the older ones, each snapshot before its
// pieces, so that an interrupted prune never leaves pieces that restore would
// take for a newer writer's. Best effort: what is left is deleted after the
// next snapshot.
void Replicator::PruneBelow(uint64_t generation) {
  std::vector<std::string> keys;
  if (!client_->List(at_.prefix, &keys).ok()) return;
  uint64_t fallback = 0;
  std::vector<std::pair<uint64_t, std::string>> snapshots, pieces;
  for (const std::string& key : keys) {
    ReplicaObject type;
    uint64_t found = 0, sequence = 0;
    if (!ParseReplicaKey(at_, key, &type, &found, &sequence) || found >= generation) continue;
    if (type == ReplicaObject::kSnapshot) fallback = std::max(fallback, found);
    (type == ReplicaObject::kSnapshot ? snapshots : pieces).emplace_back(found, key);
  }
  for (const auto* objects : {&snapshots, &pieces}) {
    for (const auto& [found, key] : *objects) {
      if (found < fallback && !client_->Delete(key).ok()) return;
    }
  }
}

Status Replicator::UploadJournalPiece(const LocalCommit& target) {
  const uint64_t from = status_.uploaded_journal_bytes;
  std::string bytes;
  Status read = ReadFileRangeAt(*dir_, JournalFileName(target.generation), from,
                                target.journal_bytes - from, &bytes);
  if (!read.ok()) return read;
  return CreateOnce(ReplicaJournalKey(at_, target.generation, next_piece_), bytes);
}

// An earlier attempt may have created the object and lost the answer (a
// timeout): the same bytes under the name are this writer's own. Other bytes
// are another writer's.
Status Replicator::CreateOnce(const std::string& key, const std::string& bytes) {
  Status created = client_->PutIfAbsent(key, bytes);
  if (!created.IsConflict()) return created;
  std::string there;
  Status got = client_->Get(key, &there);
  if (got.ok() && there == bytes) return Status::Ok();
  if (!got.ok() && !got.IsNotFound()) return got;
  return Status::Conflict(created.message() + ": another ckwrap writes " + at_.Url());
}

}  // namespace ckwrap
