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
  return full || (m.sync_always && m.commit_in_flight) || m.replica_behind;
}

}  // namespace ckwrap
