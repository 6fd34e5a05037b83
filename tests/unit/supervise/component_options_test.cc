// The settings the supervisor's parts take from the run's options, and the
// documented default line limit, which two headers spell out.
#include "supervise/component_options.h"

#include <doctest/doctest.h>
#include <signal.h>

#include "intake/protocol.h"
#include "intake/record_intake.h"
#include "supervise/run_options.h"

namespace ckwrap {
namespace {

TEST_SUITE_BEGIN("supervise/component_options");

TEST_CASE("The default protocol line limit is the documented 65536 bytes everywhere") {
  // ckwrap-protocol(7) promises jobs 65536; a run takes RunOptions' default,
  // other intake users kDefaultMaxLineBytes: neither may drift.
  CHECK(kDefaultMaxLineBytes == 65536);
  CHECK(RunOptions{}.max_line_bytes == 65536);
  CHECK(IntakeOptions{}.max_line_bytes == 65536);
  CHECK(IntakeOptionsOf(RunOptions{}).max_line_bytes == 65536);
}

TEST_CASE("The intake gets the run's line limit, channels, rules and progress file") {
  RunOptions options;
  options.max_line_bytes = 100;
  options.protocol_on = "stderr";
  options.protocol_prefix = "@job ";
  options.matches.resize(2);
  options.progress_file = "progress.log";
  options.watch = true;
  IntakeOptions intake = IntakeOptionsOf(options);
  CHECK(intake.max_line_bytes == 100);
  CHECK(intake.protocol_on == "stderr");
  CHECK(intake.protocol_prefix == "@job ");
  CHECK(intake.matches.size() == 2);
  CHECK(intake.progress_file == "progress.log");
  CHECK(intake.watch);
}

TEST_CASE("The stop sequence gets the checkpoint signal, its wait and the stall timeout") {
  RunOptions options;
  options.checkpoint_signal = SIGUSR1;
  options.checkpoint_wait_ms = 1500;
  options.stall_timeout_ms = 60000;
  StopOptions stop = StopOptionsOf(options);
  CHECK(stop.checkpoint_signal == SIGUSR1);
  CHECK(stop.checkpoint_wait_ms == 1500);
  CHECK(stop.stall_timeout_ms == 60000);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
