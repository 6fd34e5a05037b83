// The --replicate options (issue 20): --replicate, --replicate-interval,
// --replicate-max-pending and --replicate-final-wait, kept apart from the
// rest of RunFlags() (cli/options.cc), which lists them through this.
#pragma once

#include <vector>

#include "cli/flags.h"
#include "supervise/run_options.h"

namespace ckwrap {

// flags with the --replicate group inserted before --resume-anyway.
std::vector<Flag<RunOptions>> WithReplicateFlags(std::vector<Flag<RunOptions>> flags);

}  // namespace ckwrap
