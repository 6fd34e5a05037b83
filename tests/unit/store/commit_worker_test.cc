// CommitWorker with a real libuv loop and a store in a temp dir: commits run
// on the pool (an urgent journal append on the loop itself, reported on its
// next turn), the first is a snapshot and the next ones journal appends,
// --commit-interval spaces non-urgent commits only, and a failed commit is
// redone as a snapshot. The client is a JobState, as in the supervisor.
#include "store/commit_worker.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "intake/protocol.h"
#include "loop_test_util.h"
#include "store/checkpoint_store.h"
#include "store/checkpoint_test_util.h"
#include "store/file_ops.h"
#include "store/scoped_file_ops.h"
#include "supervise/job_state.h"

namespace ckwrap {
namespace {

using testing::ListNames;
using testing::LoadOk;
using testing::TempDir;

struct Done {
  Status status;
  uint64_t records = 0;
  bool snapshot = false;
  uint64_t at_ms = 0;  // uv_now()
  bool on_loop_thread = false;
};

// A loop, a store, a JobState and the worker committing it. OnCommitDone
// starts the next commit when something is dirty, as the supervisor does.
class Harness : public CommitWorker::Client {
 public:
  Harness(const std::string& dir, uint64_t interval_ms)
      : store_(dir), state_(Checkpoint{}), loop_thread_(std::this_thread::get_id()) {
    REQUIRE(uv_loop_init(&loop_) == 0);
    worker_ = std::make_unique<CommitWorker>(&loop_, &store_, interval_ms, this);
  }
  ~Harness() override { CHECK(testing::CloseLoopForTest(&loop_) == 0); }

  void Feed(std::string_view line) {
    Record record{};
    std::string error;
    REQUIRE_MESSAGE(ParseRecord(line, &record, &error), error);
    state_.Apply(record);
  }
  // Starts a commit and runs the loop until no commit is in flight or due.
  void CommitAndRun(bool urgent) {
    urgent_ = urgent;
    uv_update_time(&loop_);
    state_.FlushDoneBatch();
    worker_->Start(urgent);
    Run();
  }
  void Run() {
    while (uv_run(&loop_, UV_RUN_ONCE) != 0 && (worker_->in_flight() || state_.dirty())) {
    }
  }

  bool CommitDirty() const override { return state_.dirty(); }
  CommitRequest TakeCommit(bool snapshot) override {
    taken_ms_.push_back(uv_now(&loop_));
    return state_.TakeCommit(snapshot, /*sync=*/true, 0);
  }
  bool CommitsEnding() const override { return false; }
  void OnCommitDone(const Status& status, uint64_t records, bool snapshot) override {
    if (snapshot) state_.OnSnapshotDone();
    state_.OnCommitEnded(status.ok());
    if (!status.ok()) state_.MarkDirty();
    done_.push_back(
        {status, records, snapshot, uv_now(&loop_), std::this_thread::get_id() == loop_thread_});
    if (on_done_) on_done_();
    worker_->Start(urgent_);
  }
  void OnCommitDurable(uint64_t records) override { durable_.push_back(records); }

  uv_loop_t* loop() { return &loop_; }
  CommitWorker& worker() { return *worker_; }
  JobState& state() { return state_; }
  const std::vector<Done>& done() const { return done_; }
  const std::vector<uint64_t>& taken_ms() const { return taken_ms_; }
  // The records of each commit said durable before its OnCommitDone.
  const std::vector<uint64_t>& durable() const { return durable_; }
  std::function<void()> on_done_;

 private:
  uv_loop_t loop_{};
  CheckpointStore store_;
  JobState state_;
  std::thread::id loop_thread_;
  std::unique_ptr<CommitWorker> worker_;
  bool urgent_ = true;
  std::vector<Done> done_;
  std::vector<uint64_t> taken_ms_;
  std::vector<uint64_t> durable_;
};

// Which thread each fsync or fdatasync ran on; the next ones can be made slow.
class ThreadRecordingOps : public FileOps {
 public:
  int Fsync(int fd) override {
    Record();
    return FileOps::Fsync(fd);
  }
  int Fdatasync(int fd) override {
    Record();
    return FileOps::Fdatasync(fd);
  }
  std::thread::id last() {
    std::lock_guard<std::mutex> lock(mu_);
    REQUIRE_FALSE(threads_.empty());
    return threads_.back();
  }
  int slow_ = 0;

 private:
  void Record() {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.push_back(std::this_thread::get_id());
    if (slow_ > 0) {
      --slow_;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  }
  std::mutex mu_;
  std::vector<std::thread::id> threads_;
};

TEST_SUITE_BEGIN("store/commit_worker");

TEST_CASE("A commit runs on the pool and its client hears on the loop when it is durable") {
  TempDir dir;
  Harness h(dir.path(), 0);
  h.Feed("CKPT 10");
  h.Feed("DONE a");
  h.worker().Start(true);
  CHECK(h.worker().in_flight());
  CHECK(h.done().empty());  // not on the caller's stack
  h.Run();
  REQUIRE(h.done().size() == 1);
  CHECK_MESSAGE(h.done()[0].status.ok(), h.done()[0].status.message());
  CHECK(h.done()[0].records == 2);
  CHECK(h.done()[0].on_loop_thread);
  CHECK_FALSE(h.worker().in_flight());
  const Checkpoint loaded = LoadOk(dir.path()).checkpoint;
  CHECK(loaded.position == "10");
  CHECK(loaded.done == DoneSet{"a"});
}

TEST_CASE("Nothing dirty, nothing committed") {
  TempDir dir;
  Harness h(dir.path(), 0);
  h.worker().Start(true);
  CHECK_FALSE(h.worker().in_flight());
  CHECK(h.taken_ms().empty());
  CHECK(ListNames(dir.path()).empty());
}

TEST_CASE("The first commit is a snapshot and the next ones append to the journal") {
  TempDir dir;
  Harness h(dir.path(), 0);
  h.Feed("CKPT 1");
  h.CommitAndRun(true);
  h.Feed("CKPT 2");
  h.Feed("DONE a");
  h.CommitAndRun(true);
  h.Feed("STATE k v");
  h.Feed("CKPT 3");
  h.CommitAndRun(true);
  REQUIRE(h.done().size() == 3);
  CHECK(h.done()[0].snapshot);
  CHECK_FALSE(h.done()[1].snapshot);
  CHECK_FALSE(h.done()[2].snapshot);
  for (const Done& d : h.done()) CHECK_MESSAGE(d.status.ok(), d.status.message());
  CHECK(h.done()[2].records == 5);
  const std::vector<std::string> names = ListNames(dir.path());
  CHECK(std::count_if(names.begin(), names.end(), [](const std::string& name) {
          return name.rfind("checkpoint.", 0) == 0;
        }) == 1);
  CHECK(std::count_if(names.begin(), names.end(),
                      [](const std::string& name) { return name.rfind("journal.", 0) == 0; }) == 1);
  const Checkpoint loaded = LoadOk(dir.path()).checkpoint;
  CHECK(loaded.position == "3");
  CHECK(loaded.done == DoneSet{"a"});
  CHECK(loaded.state.at("k") == "v");
  CHECK(loaded.records == 5);
}

TEST_CASE("A requested snapshot replaces the next journal append") {
  TempDir dir;
  Harness h(dir.path(), 0);
  h.Feed("CKPT 1");
  h.CommitAndRun(true);
  h.worker().RequestSnapshot();
  h.Feed("CKPT 2");
  h.CommitAndRun(true);
  REQUIRE(h.done().size() == 2);
  CHECK(h.done()[1].snapshot);
  CHECK(LoadOk(dir.path()).checkpoint.position == "2");
}

TEST_CASE("With an interval a second non-urgent commit waits for it") {
  TempDir dir;
  Harness h(dir.path(), 100);
  h.Feed("CKPT 1");
  // While the first commit is in flight, more comes: the second commit is
  // asked for (not urgently) when the first is done.
  h.on_done_ = [&] {
    if (h.done().size() == 1) h.Feed("CKPT 2");
  };
  h.CommitAndRun(false);
  REQUIRE(h.done().size() == 2);
  REQUIRE(h.taken_ms().size() == 2);
  CHECK(h.taken_ms()[1] - h.taken_ms()[0] >= 100);
  CHECK(h.taken_ms()[1] >= h.done()[0].at_ms);
  CHECK(LoadOk(dir.path()).checkpoint.position == "2");
}

TEST_CASE("With an interval an urgent commit starts at once") {
  TempDir dir;
  Harness h(dir.path(), 100);
  h.Feed("CKPT 1");
  h.on_done_ = [&] {
    if (h.done().size() == 1) h.Feed("CKPT 2");
  };
  h.CommitAndRun(true);
  REQUIRE(h.done().size() == 2);
  REQUIRE(h.taken_ms().size() == 2);
  // Taken on the first commit's completion, with no timer in between.
  CHECK(h.taken_ms()[1] == h.done()[0].at_ms);
  CHECK(LoadOk(dir.path()).checkpoint.position == "2");
}

TEST_CASE("A failed commit is reported and redone from memory as a snapshot") {
  TempDir dir;
  const std::string store_dir = dir / "not-yet";
  Harness h(store_dir, 0);
  h.Feed("CKPT 1");
  h.on_done_ = [&] {
    // The first attempt failed: the directory appears before the retry.
    if (h.done().size() == 1) REQUIRE(mkdir(store_dir.c_str(), 0700) == 0);
  };
  h.CommitAndRun(true);
  REQUIRE(h.done().size() == 2);
  CHECK_FALSE(h.done()[0].status.ok());
  CHECK(h.done()[0].snapshot);
  CHECK_MESSAGE(h.done()[1].status.ok(), h.done()[1].status.message());
  CHECK(h.done()[1].snapshot);
  CHECK(h.done()[1].at_ms - h.done()[0].at_ms >= 1000);  // after the retry pause
  CHECK_FALSE(h.worker().abandoned());
  CHECK(LoadOk(store_dir).checkpoint.position == "1");
}

TEST_CASE("An urgent journal append is written on the loop thread, a snapshot on the pool") {
  TempDir dir;
  Harness h(dir.path(), 0);
  ThreadRecordingOps ops;
  ScopedFileOps scoped(&ops);
  h.Feed("CKPT 1");
  h.CommitAndRun(true);  // the first commit: a snapshot
  CHECK(ops.last() != std::this_thread::get_id());
  h.Feed("CKPT 2");
  h.worker().Start(true);
  // Written already, but its end comes on the loop's next turn, as from the
  // pool: a caller (a relaunch, a stop) never sees it inside Start.
  CHECK(ops.last() == std::this_thread::get_id());
  CHECK(h.worker().in_flight());
  CHECK(h.done().size() == 1);
  // Only that it is durable is said inside Start: a SYNC's acknowledgement
  // goes out without waiting for the loop to turn.
  CHECK(h.durable() == std::vector<uint64_t>{2});
  h.Run();
  REQUIRE(h.done().size() == 2);
  CHECK_FALSE(h.done()[1].snapshot);
  CHECK(LoadOk(dir.path()).checkpoint.position == "2");
  h.Feed("CKPT 3");
  h.CommitAndRun(false);  // not urgent: the pool
  CHECK(ops.last() != std::this_thread::get_id());
  CHECK(h.durable().size() == 1);  // from the pool, OnCommitDone says it
}

TEST_CASE("A slow commit on the loop thread sends the next ones to the pool") {
  TempDir dir;
  Harness h(dir.path(), 0);
  ThreadRecordingOps ops;
  ScopedFileOps scoped(&ops);
  h.Feed("CKPT 1");
  h.CommitAndRun(true);
  ops.slow_ = 1;  // 30 ms, over the 20 ms a commit may hold the loop
  h.Feed("CKPT 2");
  h.CommitAndRun(true);
  CHECK(ops.last() == std::this_thread::get_id());
  CHECK(h.worker().last_duration_us() >= 30000);  // its commit event says how long it held
  h.Feed("CKPT 3");
  h.CommitAndRun(true);
  CHECK(ops.last() != std::this_thread::get_id());
  CHECK(LoadOk(dir.path()).checkpoint.position == "3");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
