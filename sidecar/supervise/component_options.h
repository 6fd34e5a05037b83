// The settings each part of the supervisor takes, picked out of the command
// line's options, so intake/ and the stop sequence do not depend on cli/.
#pragma once

#include "intake/record_intake.h"
#include "supervise/run_options.h"
#include "supervise/stop_sequence.h"

namespace ckwrap {

IntakeOptions IntakeOptionsOf(const RunOptions& options);
StopOptions StopOptionsOf(const RunOptions& options);

}  // namespace ckwrap
