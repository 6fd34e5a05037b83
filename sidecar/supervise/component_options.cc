#include "supervise/component_options.h"

#include <algorithm>

namespace ckwrap {

IntakeOptions IntakeOptionsOf(const RunOptions& options) {
  IntakeOptions intake;
  intake.max_line_bytes = options.max_line_bytes;
  intake.protocol_on = options.protocol_on;
  intake.protocol_prefix = options.protocol_prefix;
  intake.matches = options.matches;
  intake.progress_file = options.progress_file;
  intake.watch = options.watch;
  // As often as commits may go, but never more than 10 ms apart (the stall
  // watchdog and --checkpoint-wait see slot positions as records) nor 500
  // times a second.
  intake.slot_poll_ms = std::clamp<uint64_t>(options.commit_interval_ms, 2, 10);
  return intake;
}

StopOptions StopOptionsOf(const RunOptions& options) {
  return {options.checkpoint_signal, options.checkpoint_wait_ms, options.stall_timeout_ms};
}

}  // namespace ckwrap
