#include "supervise/commit_rules.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

TEST_SUITE_BEGIN("supervise/commit_rules");

CommitMoment Running() {
  CommitMoment m;
  m.running = true;
  return m;
}

TEST_CASE("A running job's commit waits for --commit-interval unless something waits on it") {
  CommitMoment m = Running();
  CHECK_FALSE(CommitIsUrgent(m));
  m.sync_waiting = true;
  CHECK(CommitIsUrgent(m));
  m = Running();
  m.stopping = true;
  CHECK(CommitIsUrgent(m));
  m = Running();
  m.pending_bytes = kMaxPendingBytes;
  CHECK(CommitIsUrgent(m));
  m = Running();
  m.sync_always = true;
  CHECK(CommitIsUrgent(m));
  CHECK(CommitIsUrgent(CommitMoment{}));  // not running: the end of a run
}

TEST_CASE("A commit is cut at a write boundary, or past twice the limit") {
  CommitMoment m = Running();
  CHECK_FALSE(MayCutCommit(m));  // inside a write of the job
  m.at_write_boundary = true;
  CHECK(MayCutCommit(m));
  m = Running();
  m.pending_bytes = 2 * kMaxPendingBytes - 1;
  CHECK_FALSE(MayCutCommit(m));
  m.pending_bytes = 2 * kMaxPendingBytes;
  CHECK(MayCutCommit(m));
  CHECK(MayCutCommit(CommitMoment{}));  // not running: every record is in
}

TEST_CASE("Reading pauses at the limit only where a commit can then be cut") {
  CommitMoment m = Running();
  m.pending_bytes = kMaxPendingBytes;
  CHECK_FALSE(ReadingPaused(m));  // a pause inside a write would wait for no commit
  m.at_write_boundary = true;
  CHECK(ReadingPaused(m));
  m.pending_bytes = kMaxPendingBytes - 1;
  CHECK_FALSE(ReadingPaused(m));
  m.sync_always = true;
  m.commit_in_flight = true;
  CHECK(ReadingPaused(m));  // --sync always: each read durable before the next
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
