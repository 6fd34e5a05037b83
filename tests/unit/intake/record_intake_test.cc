// RecordIntake's write boundaries on fd 3 (ckwrap-protocol(7)): a commit is
// cut only where the records read end with a whole write(2) of the job. A job
// that keeps the pipe full never lets it drain, so the intake must still find
// such places while the job writes, or every commit waits for the escape at
// twice the pending bound and splits a write (seen under ASan: a STATE
// committed without the CKPT written with it).
#include "intake/record_intake.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <string>

#include "loop_test_util.h"

namespace ckwrap {
namespace {

constexpr size_t kWrites = 2000;
constexpr int kPipeBytes = 256 << 10;  // four of the intake's 64 KiB reads

// One write of the job, under PIPE_BUF (so atomic): a STATE and the CKPT that
// goes with it, padded so that 64 KiB reads end inside writes.
std::string Write(size_t i) {
  const std::string n = std::to_string(i);
  return "STATE total " + n + "\nCKPT " + n + ":" + std::string(900, 'x') + "\n";
}

// Keeps the pipe full: whole writes until the next one does not fit.
class Job {
 public:
  explicit Job(int fd) : fd_(fd) {}
  void TopUp() {
    while (written_ < kWrites) {
      const std::string text = Write(written_);
      const ssize_t n = ::write(fd_, text.data(), text.size());
      if (n < 0 && errno == EAGAIN) return;
      // Not REQUIRE: this runs inside libuv's callbacks, which an exception must not cross.
      CHECK(n == static_cast<ssize_t>(text.size()));
      ++written_;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool writing() const { return written_ < kWrites; }

 private:
  int fd_;
  size_t written_ = 0;
};

class BoundarySink : public RecordIntake::Sink {
 public:
  explicit BoundarySink(Job* job) : job_(job) {}
  std::string OnRecord(const Record& record) override {
    ++records;
    last_was_ckpt_ = record.verb == Verb::kCkpt;
    return {};
  }
  void OnRecordsRead() override {
    if (intake->at_write_boundary()) {
      torn += !last_was_ckpt_;
      boundaries_while_full += job_->writing();
    }
    job_->TopUp();  // the job writes while ckwrap handles what it read
  }
  void OnPendingChanged() override {}
  void OnProgressFileBatch(const FileCursor&) override {}
  void OnInputEnded() override { ended = true; }

  RecordIntake* intake = nullptr;
  size_t records = 0;
  size_t torn = 0;  // boundaries claimed after a STATE, inside a write
  size_t boundaries_while_full = 0;
  bool ended = false;

 private:
  Job* job_;
  bool last_was_ckpt_ = false;
};

TEST_SUITE_BEGIN("intake/record_intake");

TEST_CASE("A pipe the job keeps full still gives write boundaries, and only true ones") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  REQUIRE(::fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
  REQUIRE(::fcntl(fds[0], F_SETPIPE_SZ, kPipeBytes) >= kPipeBytes);
  Job job(fds[1]);
  job.TopUp();
  REQUIRE(job.writing());
  uv_loop_t loop;
  uv_loop_init(&loop);
  BoundarySink sink(&job);
  {
    RecordIntake intake(&loop, IntakeOptions(), &sink);
    sink.intake = &intake;
    intake.StartProtocol(fds[0], nullptr);
    // Bounded, so that a regression fails instead of hanging: each turn reads.
    for (size_t turns = 0; !sink.ended && turns < 100 * kWrites; ++turns)
      uv_run(&loop, UV_RUN_ONCE);
    CHECK(sink.ended);
    intake.Close();
    CHECK(testing::CloseLoopForTest(&loop) == 0);  // the intake's timers with it
  }
  CHECK(sink.records == 2 * kWrites);
  CHECK(sink.torn == 0);
  // About one a pipeful (2000 writes of 930 bytes: seven pipefuls).
  CHECK(sink.boundaries_while_full >= 4);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
