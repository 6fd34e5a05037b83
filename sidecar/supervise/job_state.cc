#include "supervise/job_state.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>

#include "base/huge_pages.h"
#include "base/log.h"
#include "base/paths.h"
#include "store/journal_format.h"
#include "store/journal_writer.h"
#include "supervise/commit_rules.h"
#include "supervise/declared_outputs.h"
#include "supervise/status_line.h"

namespace ckwrap {
namespace {

// A size the job sent that is larger than the file (a wrong SIZE, or a file
// that shrank since) would make every resume refuse the file: the file's own
// size is recorded instead, which keeps every byte it has. Only for a sent
// size: a file found shorter than a size ckwrap measured stays refused.
void KeepWithinFile(OutputFile* f, RateLimitedLog* errors) {
  uint64_t now = 0;
  if (!OutputSize(f->path, &now).ok() || now >= f->size) return;
  errors->Error("declared output " + f->path + ": " + std::to_string(f->size) +
                " bytes recorded, but the file holds " + std::to_string(now) + "; recording " +
                std::to_string(now));
  f->size = now;
}

}  // namespace

JobState::JobState(Checkpoint checkpoint)
    : checkpoint_(std::move(checkpoint)), reached_(checkpoint_) {}

void JobState::BeginRun() {
  SettleDoneBatch();  // its progress is the run's before
  progressed_ = false;
  sent_sizes_.Clear();
  first_position_due_ = checkpoint_.has_position;
  resumed_at_ = checkpoint_.position;
}

std::pair<std::string, std::string> JobState::TakeWentBack() {
  went_back_ = false;
  return {std::move(went_back_to_), resumed_at_};
}

void JobState::ApplyPosition(std::string_view position) {
  if (first_position_due_) {
    first_position_due_ = false;
    if (!went_back_said_ && reached_.Behind(position, resumed_at_)) {
      went_back_ = went_back_said_ = true;
      went_back_to_.assign(position);
    }
  }
  if (reached_.ReachPosition(position)) progressed_ = true;
  if (!checkpoint_.has_position || checkpoint_.position != position) {
    checkpoint_.has_position = true;
    checkpoint_.position.assign(position);
  }
}

std::string JobState::Apply(const Record& record) {
  switch (record.verb) {
    case Verb::kCkpt:
      ObserveOutputs();
      ApplyPosition(record.arg);
      break;
    case Verb::kDone:
      ObserveOutputs();
      done_batch_.at.emplace_back(done_batch_.bytes.size(), record.arg.size());
      done_batch_.bytes.append(record.arg);
      break;
    case Verb::kFail:
      // One entry per id: a repeated FAIL counts, but is not progress.
      if (checkpoint_.failures.Record(record.arg, record.detail)) progressed_ = true;
      Journal(
          [&] { AppendJournalFail(&journal_pending_, *checkpoint_.failures.Find(record.arg)); });
      break;
    case Verb::kState: {
      std::string& value = checkpoint_.state[std::string(record.arg)];
      if (value != record.detail) {
        value.assign(record.detail);
        Journal([&] { AppendJournalState(&journal_pending_, record.arg, record.detail); });
        if (reached_.ReachState(record.arg, record.detail)) progressed_ = true;
      }
      break;
    }
    case Verb::kProgress:
      checkpoint_.progress_done = record.count;
      checkpoint_.progress_total = record.total;
      break;
    case Verb::kComplete:
      checkpoint_.complete = true;
      break;
    case Verb::kOutput:
      DeclareOutput(std::string(record.arg));
      break;
    case Verb::kSync:
      // Acknowledged once a commit covering this record (and all before it) is durable.
      sync_waiting_.emplace_back(checkpoint_.records + 1, std::string(record.arg));
      Hold(sizeof(sync_waiting_[0]) + record.arg.size());
      break;
    case Verb::kSlot:  // taken by the intake (the checkpoint slot is its input)
      break;
    case Verb::kSize:
      if (std::string refused = ApplySize(record); !refused.empty()) return refused;
      break;
  }
  checkpoint_.records++;
  dirty_ = true;
  return {};
}

size_t JobState::DoneBatch::Held() const {
  // What the batch holds now or, if more, what its ids will hold once
  // inserted (each twice: in the set and journaled, with its length), so
  // that the bound on what waits for a commit holds for long ids too while
  // a batch waits for the side thread.
  const size_t now = bytes.size() + at.size() * sizeof(at[0]);
  const size_t inserted = 2 * (bytes.size() + at.size() * journal_format::kStringLengthBytes);
  return std::max(now, inserted);
}

void JobState::FlushDoneBatch() {
  SettleDoneBatch();
  if (done_batch_.at.empty()) return;
  ReserveJournalForFlood(done_batch_);
  InsertDoneBatch(&done_batch_);
  CountDoneBatch(&done_batch_);
}

void JobState::HandOffDoneBatch() {
  // A read of a few ids is flushed at once: a hand-off (two thread wake-ups)
  // costs more than their inserts. While the side thread works, the ids
  // wait for it (the loop thread reads on) up to a bound: batches then grow
  // to what it takes in the time, and neither thread waits for the other.
  constexpr size_t kHandOffIds = 1024;
  constexpr size_t kMaxWaitingIds = size_t{1} << 15;
  if (!done_inserter_.ready() && done_batch_.at.size() < kMaxWaitingIds) return;
  SettleDoneBatch();
  if (done_batch_.at.size() < kHandOffIds) return FlushDoneBatch();
  ReserveJournalForFlood(done_batch_);
  std::swap(done_batch_, done_handed_off_);
  done_inserter_.Run([this] { InsertDoneBatch(&done_handed_off_); });
}

void JobState::SettleDoneBatch() {
  if (!done_inserter_.busy()) return;
  try {
    done_inserter_.Wait();
  } catch (...) {
    // As when FlushDoneBatch fails: the ids wait in the batch, to be
    // inserted again (an id the set took is then not new, and not counted twice).
    ReturnHandedOff();
    throw;
  }
  CountDoneBatch(&done_handed_off_);
}

void JobState::ReturnHandedOff() {
  // Order within the batches does not matter: each id is looked up on its own.
  for (auto [offset, size] : done_handed_off_.at)
    done_batch_.at.emplace_back(done_batch_.bytes.size() + offset, size);
  done_batch_.bytes += done_handed_off_.bytes;
  done_handed_off_.at.clear();
  done_handed_off_.bytes.clear();
}

void JobState::InsertDoneBatch(DoneBatch* batch) {
  // The views and flags are the batch's own, kept between batches, rather
  // than allocated for each.
  std::vector<std::string_view>& ids = batch->ids;
  ids.clear();
  for (auto [offset, size] : batch->at)
    ids.push_back(std::string_view(batch->bytes).substr(offset, size));
  if (batch->flags_size < ids.size()) {
    batch->flags.reset(new bool[ids.size()]);
    batch->flags_size = ids.size();
  }
  bool* flags = batch->flags.get();
  if (snapshot_in_flight_) {
    // checkpoint_.done is only read while the snapshot is encoded (reading it
    // here is safe): an id already there is neither new nor progress, and
    // must not be counted a second time in done_overflow_.
    checkpoint_.done.ContainsBatch(ids.data(), ids.size(), flags);
    size_t fresh = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!flags[i]) ids[fresh++] = ids[i];
    }
    ids.resize(fresh);
  }
  DoneSet& set = snapshot_in_flight_ ? done_overflow_ : checkpoint_.done;
  set.InsertBatch(ids.data(), ids.size(), flags);
  // Set semantics: only a new id is journaled, and is progress.
  size_t kept = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (flags[i]) ids[kept++] = ids[i];
  }
  ids.resize(kept);
  batch->any_new = kept > 0;
  const size_t journal_before = journal_pending_.size();
  AppendJournalDones(&journal_pending_, ids);
  batch->journaled = journal_pending_.size() - journal_before;
}

void JobState::CountDoneBatch(DoneBatch* batch) {
  if (batch->any_new) progressed_ = true;
  // A new id is held twice until durable: journaled and in the set (or aside).
  Hold(2 * batch->journaled);
  batch->at.clear();
  batch->bytes.clear();
  batch->any_new = false;
  batch->journaled = 0;
}

StatusSnapshot JobState::Snapshot() {
  FlushDoneBatch();
  StatusSnapshot s;
  s.has_position = checkpoint_.has_position;
  s.position = checkpoint_.position;
  s.progress_done = checkpoint_.progress_done;
  s.progress_total = checkpoint_.progress_total;
  s.done = DoneCount();
  s.failed = checkpoint_.failures.size();
  s.attempts = checkpoint_.attempts;
  s.restarts = checkpoint_.restarts;
  return s;
}

size_t JobState::PendingBytes() const {
  return uncommitted_bytes_ + done_batch_.Held() +
         (done_inserter_.busy() ? done_handed_off_.Held() : 0);
}

CommitRequest JobState::TakeCommit(bool snapshot, bool sync, int64_t now_unix_ms) {
  FlushDoneBatch();
  checkpoint_.updated_unix_ms = now_unix_ms;
  HashOutputTails();
  CommitRequest request;
  request.records = checkpoint_.records;
  request.snapshot = snapshot;
  request.sync = sync;
  if (snapshot) {
    DoneSet done = std::move(checkpoint_.done);
    request.rest = checkpoint_;
    checkpoint_.done = std::move(done);
    request.done_ids = &checkpoint_.done;
    snapshot_in_flight_ = true;
    journal_pending_.clear();  // the snapshot holds those records
  } else {
    request.journal_bytes.swap(journal_pending_);
    journal_pending_.swap(journal_spare_);
    AppendJournalCommit(&request.journal_bytes, checkpoint_);
  }
  dirty_ = false;
  in_flight_bytes_ = uncommitted_bytes_;
  return request;
}

void JobState::OnSnapshotDone() {
  SettleDoneBatch();  // it may be adding to done_overflow_
  if (!snapshot_in_flight_) return;
  snapshot_in_flight_ = false;
  checkpoint_.done.merge(done_overflow_);  // O(ids that came meanwhile)
  done_overflow_.clear();
}

void JobState::ReserveJournalForFlood(const DoneBatch& coming) {
  // A flood fills about half the pending bound (ids count twice) between
  // commits: the buffer grows to that once instead of doubling its way there,
  // each doubling a copy of everything in it. Reused by later commits. On
  // the loop thread, before the batch is inserted (its DONES records take at
  // most what it is held as): a large block allocated on the side thread
  // came from a malloc arena of its own, which kept 5 MB more.
  constexpr size_t kFloodBytes = 1 << 20;
  constexpr size_t kFloodCommitBytes = kMaxPendingBytes + (1 << 20);
  if (journal_pending_.size() + coming.Held() >= kFloodBytes &&
      journal_pending_.capacity() < kFloodCommitBytes) {
    journal_pending_.reserve(kFloodCommitBytes);
    // Fresh each time (it goes back to the allocator): 4 KiB page faults cost
    // a flood of 5 M ids a tenth of its time here.
    AdviseHugePages(journal_pending_.data(), journal_pending_.capacity());
  }
}

void JobState::ReuseJournalBuffer(std::string buffer) {
  // Only a small one is kept: a flood's buffers (ReserveJournalForFlood) go
  // back to the allocator, so memory holds no third one beside the commit in
  // flight and the one filling.
  constexpr size_t kMaxKeptBytes = 4 << 20;
  if (buffer.capacity() > kMaxKeptBytes || buffer.capacity() <= journal_spare_.capacity()) return;
  buffer.clear();
  journal_spare_ = std::move(buffer);
}

void JobState::OnCommitEnded(bool durable) {
  // A failed commit is redone from memory (as a snapshot): what it covered
  // is still held, and a job faster than a failing disk stays held back.
  if (durable) uncommitted_bytes_ -= in_flight_bytes_;
  in_flight_bytes_ = 0;
}

std::vector<std::string> JobState::TakeAcknowledged(uint64_t committed_records) {
  std::vector<std::string> tokens;
  size_t acked = 0;
  while (acked < sync_waiting_.size() && sync_waiting_[acked].first <= committed_records) {
    tokens.push_back(std::move(sync_waiting_[acked].second));
    acked++;
  }
  sync_waiting_.erase(sync_waiting_.begin(), sync_waiting_.begin() + acked);
  return tokens;
}

std::string JobState::ApplySize(const Record& record) {
  // The shims send absolute paths, compared as they are; a relative one is
  // relative to ckwrap's directory, as OUTPUT's is.
  const bool absolute = !record.arg.empty() && record.arg[0] == '/';
  const std::string relative_made_absolute =
      absolute ? std::string() : AbsolutePath(std::string(record.arg));
  const std::string_view path = absolute ? record.arg : std::string_view(relative_made_absolute);
  for (size_t i = 0; i < checkpoint_.outputs.size(); ++i) {
    if (checkpoint_.outputs[i].path != path) continue;
    sent_sizes_.Send(i, record.count);
    return {};
  }
  return "SIZE for " + std::string(path) +
         ", which is not a declared output (--output or an OUTPUT record declares one)";
}

void JobState::ObserveOutputs() {
  for (size_t i = 0; i < checkpoint_.outputs.size(); ++i) {
    checkpoint_.outputs[i].size = NextOutputSize(i);
  }
}

// The size output i commits with the CKPT or DONE being applied: the one the
// job sent with it, else the one ckwrap sees now, which also holds whatever
// the job wrote after the record (man/ckwrap.1, --output, for the contract).
uint64_t JobState::NextOutputSize(size_t i) {
  OutputFile& f = checkpoint_.outputs[i];
  uint64_t size = f.size;
  if (sent_sizes_.any_waiting() && sent_sizes_.Take(i, &size)) return size;
  Status status = OutputSize(f.path, &size);
  if (!status.ok()) output_errors_.Error("declared output: " + status.message());
  return size;
}

void JobState::DeclareOutput(const std::string& path) {
  const std::string abs = AbsolutePath(path);
  for (const OutputFile& f : checkpoint_.outputs) {
    if (f.path == abs) return;
  }
  OutputFile f;
  f.path = abs;
  Status status = OutputSize(abs, &f.size);
  if (!status.ok()) output_errors_.Error("declared output: " + status.message());
  Hold(sizeof(f) + abs.size());
  checkpoint_.outputs.push_back(std::move(f));
  dirty_ = true;
}

void JobState::HashOutputTails() {
  hashed_sizes_.resize(checkpoint_.outputs.size(), UINT64_MAX);
  for (size_t i = 0; i < checkpoint_.outputs.size(); ++i) {
    OutputFile& f = checkpoint_.outputs[i];
    if (hashed_sizes_[i] == f.size) continue;
    if (sent_sizes_.TakeUnchecked(i)) KeepWithinFile(&f, &output_errors_);
    Status status = OutputTailHash(f.path, f.size, &f.tail_hash);
    if (!status.ok()) {
      output_errors_.Error("declared output: " + status.message());
      continue;
    }
    hashed_sizes_[i] = f.size;
  }
}

std::string JobState::StuckMessage() {
  const Checkpoint& c = checkpoint_;
  if (c.has_position) {
    return "stuck at position " + c.position +
           "; the next run resumes there (ckwrap reset forgets it)";
  }
  if (c.records == 0) {
    return "no record from the job in " + std::to_string(c.attempts) +
           " attempts: it fails before its first CKPT, DONE or STATE, or writes them where "
           "ckwrap does not read (fd 3, $CKWRAP_FD); the next run starts from the beginning";
  }
  return "stuck with no position and " + std::to_string(DoneCount()) +
         " DONE ids; the next run resumes with them (ckwrap reset forgets them)";
}

}  // namespace ckwrap
