// A run under --replicate that finds no local checkpoint starts from its
// replica (a new node, a pod rescheduled): the newest remote generation
// that verifies is restored into the state directory and loaded
// (store/replica_restore.h; man/ckwrap.1, --replicate). Other commands
// (status, inspect, reset) read the local directory only.
#pragma once

#include "base/status.h"
#include "store/checkpoint_store.h"
#include "supervise/run_options.h"

namespace ckwrap {

// Nothing to do unless options.replicate is set and *loaded was not found.
// Credentials from the AWS_* variables (an error names a missing one). Logs
// each refused snapshot, then the object resumed from (generation, journal
// pieces, done ids, position) or that the replica holds nothing. Any error
// means the run must not start (exit 125): never a silent fresh start.
Status RestoreIfNoCheckpoint(const RunOptions& options, CheckpointStore* store,
                             LoadedCheckpoint* loaded);

}  // namespace ckwrap
