// ProgressFileWatcher under backpressure: a pause stops a read between two
// 64 KiB reads, the cursor stays past the last line handed out, and resuming
// reads the rest, from the loop, with no line lost, split or repeated.
#include "intake/progress_file_watcher.h"

#include <doctest/doctest.h>
#include <uv.h>

#include <cstdio>
#include <string>
#include <vector>

#include "store/checkpoint_test_util.h"

namespace ckwrap {
namespace {

constexpr size_t kLines = 100000;
constexpr size_t kLineBytes = 14;  // "DONE id-000000": 64 KiB ends inside a line

std::string Line(size_t i) {
  char text[32];
  std::snprintf(text, sizeof(text), "DONE id-%06zu", i);
  return text;
}

TEST_SUITE_BEGIN("intake/progress_file_watcher");

TEST_CASE("A pause stops at a line boundary and the resume goes on from the loop") {
  testing::TempDir dir;
  const std::string path = dir / "progress.log";
  std::string text;
  for (size_t i = 0; i < kLines; ++i) text += Line(i) + "\n";
  REQUIRE(text.size() == kLines * (kLineBytes + 1));
  testing::WriteFileForTest(path, text);
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::vector<std::string> lines;
  size_t misnumbered = 0;
  std::vector<uint64_t> batches;  // the cursor at each batch
  int caught_up = 0;
  ProgressFileWatcher* watcher_ptr = nullptr;
  ProgressFileWatcher::Callbacks callbacks;
  callbacks.line = [&](uint64_t number, std::string_view line) {
    misnumbered += number != lines.size() + 1;
    lines.emplace_back(line);
    if (lines.size() == 10) watcher_ptr->SetPaused(true);  // enough waits for a commit
  };
  callbacks.batch = [&] { batches.push_back(watcher_ptr->cursor().offset); };
  callbacks.caught_up = [&] { ++caught_up; };
  {
    ProgressFileWatcher watcher(&loop, path, 1024, callbacks);
    watcher_ptr = &watcher;
    REQUIRE(watcher.Start(FileCursor(), false).ok());
    // The read under way when the pause came is handed out whole, no more.
    const size_t first_read = 65536 / (kLineBytes + 1);
    CHECK(watcher.behind());
    CHECK(lines.size() == first_read);
    CHECK(watcher.cursor().offset == first_read * (kLineBytes + 1));
    REQUIRE(!batches.empty());
    CHECK(batches.back() == watcher.cursor().offset);  // saved with its records
    // A wake-up while paused reads nothing.
    watcher.Check();
    CHECK(lines.size() == first_read);
    CHECK(watcher.behind());
    // Resuming does not read inside the caller (the supervisor's commit callback)...
    watcher.SetPaused(false);
    CHECK(lines.size() == first_read);
    CHECK(caught_up == 0);
    // ...but from the loop, to the end, and says so once.
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(caught_up == 1);
    CHECK(!watcher.behind());
    REQUIRE(lines.size() == kLines);
    size_t wrong = 0;
    for (size_t i = 0; i < kLines; ++i) wrong += lines[i] != Line(i);
    CHECK(wrong == 0);
    CHECK(misnumbered == 0);
    CHECK(watcher.cursor().offset == kLines * (kLineBytes + 1));
    CHECK(batches.back() == watcher.cursor().offset);
    watcher.Stop();
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
