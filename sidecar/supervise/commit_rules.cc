#include "supervise/commit_rules.h"

namespace ckwrap {

bool CommitIsUrgent(const CommitMoment& m) {
  return m.sync_always || !m.running || m.stopping || m.sync_waiting ||
         m.pending_bytes >= kMaxPendingBytes;
}

bool MayCutCommit(const CommitMoment& m) {
  return !m.running || m.at_write_boundary || m.pending_bytes >= 2 * kMaxPendingBytes;
}

bool ReadingPaused(const CommitMoment& m) {
  const bool full = m.pending_bytes >= kMaxPendingBytes && MayCutCommit(m);
  // A stop drains the job's records into the local checkpoint whatever the
  // bucket's state: a store that stays down must not hold the stop.
  const bool replica_full = m.replica_behind && m.running && !m.stopping;
  return full || (m.sync_always && m.commit_in_flight) || replica_full;
}

}  // namespace ckwrap
