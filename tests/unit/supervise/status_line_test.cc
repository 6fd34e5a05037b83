#include "supervise/status_line.h"

#include <doctest/doctest.h>

namespace ckwrap {
namespace {

StatusSnapshot Half() {
  StatusSnapshot s;
  s.has_position = true;
  s.position = "743";
  s.progress_done = 500;
  s.progress_total = 1000;
  s.restarts = 2;
  s.attempts = 3;
  return s;
}

TEST_SUITE_BEGIN("supervise/status_line");

TEST_CASE("The terminal line shows position, n/total with a bar, rate, ETA and restarts") {
  std::string line = FormatTerminalStatus(Half(), 10.0, 200);
  CHECK(line ==
        "ckwrap: pos 743 | 500/1000 [##########----------] 50% | 10.0/s | ETA 50s | restarts 2");
}

TEST_CASE("The terminal line never wraps and holds no escape codes") {
  std::string line = FormatTerminalStatus(Half(), 10.0, 40);
  CHECK(line.size() == 39);
  CHECK(line.find('\033') == std::string::npos);
  CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("Without a total or a rate the line leaves out the bar and the ETA") {
  StatusSnapshot s;
  s.done = 12;
  CHECK(FormatTerminalStatus(s, -1, 200) == "ckwrap: starting | 12 done | restarts 0");
  CHECK(FormatPlainStatus(s, -1) ==
        "status: position (none), done 12, failed 0, attempt 0, restarts 0");
}

TEST_CASE("The plain line and its JSON fields carry every counter") {
  CHECK(FormatPlainStatus(Half(), 250) ==
        "status: position 743, 500/1000 (50%), 250/s, ETA 2s, done 0, failed 0, attempt 3, "
        "restarts 2");
  CHECK(StatusJsonFields(Half(), -1) ==
        "{\"position\":\"743\",\"progress_done\":500,\"progress_total\":1000,\"rate_per_s\":null,"
        "\"eta_s\":null,\"done\":0,\"failed\":0,\"attempts\":3,\"restarts\":2}");
}

TEST_CASE("The rate is items per second over the recent window") {
  RateMeter meter;
  meter.Add(0, 0);
  CHECK(meter.PerSecond() < 0);  // one sample: unknown
  meter.Add(500, 5);
  CHECK(meter.PerSecond() < 0);  // under a second: unknown
  meter.Add(2000, 20);
  CHECK(meter.PerSecond() == doctest::Approx(10.0));
  for (int64_t t = 3000; t <= 30000; t += 1000) meter.Add(t, 20 + (t - 2000) / 1000 * 2);
  CHECK(meter.PerSecond() == doctest::Approx(2.0));  // old fast samples have left the window
  meter.Add(31000, 3);                               // a count going back: a fresh start
  CHECK(meter.PerSecond() < 0);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
