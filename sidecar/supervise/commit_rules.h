// When the supervisor commits and when it stops reading the job: rules on
// what it knows at that moment, with no loop and no clock (unit-tested).
#pragma once

#include <cstddef>

namespace ckwrap {

// Reading stops while this much waits for a durable commit (a flood faster
// than the disk, a full disk): the pipe holds the job back (man/ckwrap.1).
constexpr size_t kMaxPendingBytes = 4 << 20;

struct CommitMoment {
  bool running = false;            // the job runs (not draining, backing off, finishing)
  bool stopping = false;           // a stop was asked for or has begun
  bool sync_always = false;        // --sync always
  bool sync_waiting = false;       // a SYNC waits for its acknowledgement
  bool at_write_boundary = false;  // the records read end with a whole write of the job
  bool commit_in_flight = false;
  size_t pending_bytes = 0;     // JobState::PendingBytes()
  bool replica_behind = false;  // --replicate-max-pending waits to be uploaded
};

// Nothing that waits for a commit is delayed by --commit-interval: a SYNC,
// the end of a run, a stop, a full buffer.
bool CommitIsUrgent(const CommitMoment& m);
// While the job runs, a commit is cut only where the records read end with a
// whole write of the job, so that records written together are committed
// together (ckwrap-protocol(7)); the read that ends a read window of fd 3
// starts it (RecordIntake: about once a pipeful, even one kept full). Past
// twice the limit the commit is cut all the same: records that stream in
// from elsewhere (the progress file, --protocol-on) while fd 3 is inside a
// window can get there first.
bool MayCutCommit(const CommitMoment& m);
// Reading pauses when enough waits for a commit, but only where a commit may
// be cut (else none would come), under --sync always while one is written,
// and while the bucket of --replicate is too far behind (but never once the
// job is stopping or has ended).
bool ReadingPaused(const CommitMoment& m);

}  // namespace ckwrap
