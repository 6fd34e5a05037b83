// Where a run starts, from the checkpoint it found (man/ckwrap.1, STATE
// DIRECTORY and --on-complete): a resume, a fresh start, or nothing to do
// because the same command has completed already.
#pragma once

#include "base/status.h"
#include "store/checkpoint.h"
#include "store/checkpoint_store.h"
#include "supervise/run_options.h"

namespace ckwrap {

struct StartingPoint {
  Checkpoint checkpoint;          // what the supervisor starts from
  bool already_complete = false;  // --on-complete exit: run nothing, exit 0
  std::string summary;            // when already complete: the one-line summary
};

// Takes the checkpoint out of loaded (a copy of millions of ids would cost
// start-up time). An error is a resume refused: a changed input, or a changed
// command line under a state directory derived from the command.
Status ChooseStartingPoint(LoadedCheckpoint& loaded, const RunOptions& options, StartingPoint* out);

}  // namespace ckwrap
