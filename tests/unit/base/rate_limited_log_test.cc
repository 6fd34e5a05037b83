#include "base/rate_limited_log.h"

#include <doctest/doctest.h>
#include <stdio.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace ckwrap {
namespace {

using std::chrono::seconds;
using Clock = RateLimitedLog::Clock;

// What is written to stderr (where LogError goes) while it lives, line by line.
class StderrCapture {
 public:
  StderrCapture() : file_(tmpfile()), saved_(dup(STDERR_FILENO)) {
    REQUIRE(file_ != nullptr);
    REQUIRE(saved_ >= 0);
    REQUIRE(dup2(fileno(file_), STDERR_FILENO) >= 0);
  }
  ~StderrCapture() {
    Restore();
    fclose(file_);
  }
  // The lines written so far, stderr restored first.
  std::vector<std::string> Lines() {
    Restore();
    std::vector<std::string> lines;
    rewind(file_);
    char buf[512];
    while (fgets(buf, sizeof buf, file_) != nullptr) {
      std::string line(buf);
      if (!line.empty() && line.back() == '\n') line.pop_back();
      lines.push_back(line);
    }
    return lines;
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  FILE* file_;
  int saved_;
};

// The time the tests start from: any point, the limiter only measures from it.
const Clock::time_point kStart = Clock::time_point{} + seconds(1000);

}  // namespace

TEST_SUITE_BEGIN("base/rate_limited_log");

TEST_CASE("The first burst of an interval is shown, the rest counted, then summed up once") {
  StderrCapture capture;
  {
    RateLimitedLog log("ack failed", /*burst=*/3, seconds(10));
    for (int i = 0; i < 10; ++i) log.Error("ack failed: " + std::to_string(i), kStart + seconds(i));
    // The next interval (10 s after its first message): the summary, then the message.
    log.Error("ack failed: late", kStart + seconds(10));
  }
  CHECK(capture.Lines() == std::vector<std::string>{
                               "ckwrap: ack failed: 0",
                               "ckwrap: ack failed: 1",
                               "ckwrap: ack failed: 2",
                               "ckwrap: 7 more like this suppressed (ack failed)",
                               "ckwrap: ack failed: late",
                           });
}

TEST_CASE("Messages still suppressed are summed up when the limiter goes away") {
  StderrCapture capture;
  {
    RateLimitedLog log("commit failed", 2, seconds(10));
    for (int i = 0; i < 5; ++i) log.Error("commit failed", kStart);
  }
  CHECK(capture.Lines() == std::vector<std::string>{
                               "ckwrap: commit failed",
                               "ckwrap: commit failed",
                               "ckwrap: 3 more like this suppressed (commit failed)",
                           });
}

TEST_CASE("Within the burst nothing is suppressed and no summary is written") {
  StderrCapture capture;
  {
    RateLimitedLog log("output", 2, seconds(10));
    log.Error("output a", kStart);
    log.Error("output b", kStart + seconds(9));
    log.Flush();  // nothing suppressed: nothing to say
  }
  CHECK(capture.Lines() == std::vector<std::string>{"ckwrap: output a", "ckwrap: output b"});
}

TEST_CASE("An interval is measured from its first message, by the caller's clock") {
  StderrCapture capture;
  {
    RateLimitedLog log("x", 1, seconds(10));
    log.Error("x 1", kStart);
    log.Error("x 2", kStart + seconds(9));   // same interval: counted
    log.Error("x 3", kStart + seconds(15));  // a new one, starting at 15 s
    log.Error("x 4", kStart + seconds(24));  // still in it: counted
    log.Error("x 5", kStart + seconds(25));  // the next
  }
  CHECK(capture.Lines() == std::vector<std::string>{
                               "ckwrap: x 1",
                               "ckwrap: 1 more like this suppressed (x)",
                               "ckwrap: x 3",
                               "ckwrap: 1 more like this suppressed (x)",
                               "ckwrap: x 5",
                           });
}

TEST_CASE("An explicit Flush reports the count once and starts counting again") {
  StderrCapture capture;
  RateLimitedLog log("y", 1, seconds(10));
  for (int second = 0; second < 3; ++second) log.Error("y", kStart + seconds(second));
  log.Flush();
  log.Flush();  // nothing new suppressed
  CHECK(capture.Lines() == std::vector<std::string>{
                               "ckwrap: y",
                               "ckwrap: 2 more like this suppressed (y)",
                           });
}

TEST_SUITE_END();

}  // namespace ckwrap
