#include "supervise/component_options.h"

namespace ckwrap {

IntakeOptions IntakeOptionsOf(const RunOptions& options) {
  IntakeOptions intake;
  intake.max_line_bytes = options.max_line_bytes;
  intake.protocol_on = options.protocol_on;
  intake.protocol_prefix = options.protocol_prefix;
  intake.matches = options.matches;
  intake.progress_file = options.progress_file;
  intake.watch = options.watch;
  intake.slot_poll_ms = options.commit_interval_ms;
  return intake;
}

StopOptions StopOptionsOf(const RunOptions& options) {
  return {options.checkpoint_signal, options.checkpoint_wait_ms, options.stall_timeout_ms};
}

}  // namespace ckwrap
