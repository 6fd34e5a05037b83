#include "supervise/resume_files.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "store/checkpoint_test_util.h"

namespace ckwrap {
namespace {

using testing::ReadFileOrEmpty;
using testing::TempDir;
using Env = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_SUITE_BEGIN("supervise/resume_files");

TEST_CASE("A launch is a resumed one when there is a position, a done id or state") {
  Checkpoint c;
  CHECK_FALSE(IsResumedLaunch(c));
  c.progress_done = 5;  // PROGRESS alone is display only
  c.attempts = 3;
  CHECK_FALSE(IsResumedLaunch(c));
  Checkpoint with_position;
  with_position.has_position = true;
  CHECK(IsResumedLaunch(with_position));
  Checkpoint with_done;
  with_done.done.insert("a");
  CHECK(IsResumedLaunch(with_done));
  Checkpoint with_state;
  with_state.state["k"] = "v";
  CHECK(IsResumedLaunch(with_state));
}

TEST_CASE("The resume files hold every done id and the state as JSON") {
  TempDir dir;
  Checkpoint c;
  c.done = {"a", "b c", "\xc3\xa9t\xc3\xa9", "x\ry"};
  c.state = {{"cursor", "42"}, {"q", "say \"hi\""}};
  Env env;
  REQUIRE(WriteResumeFiles(dir.Open(), dir.path(), c, &env).ok());
  REQUIRE(env.size() == 2);
  CHECK(env[0] == std::make_pair(std::string("CKWRAP_DONE_FILE"), dir / "done.txt"));
  CHECK(env[1] == std::make_pair(std::string("CKWRAP_STATE_FILE"), dir / "state.json"));
  CHECK(SortedLines(ReadFileOrEmpty(dir / "done.txt")) ==
        std::vector<std::string>{"a", "b c", "x\ry", "\xc3\xa9t\xc3\xa9"});
  CHECK(ReadFileOrEmpty(dir / "state.json") == "{\"cursor\":\"42\",\"q\":\"say \\\"hi\\\"\"}\n");
  struct stat st {};
  REQUIRE(stat((dir / "done.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("New resume files replace the older ones") {
  TempDir dir;
  Checkpoint c;
  c.done = {"old"};
  Env env;
  REQUIRE(WriteResumeFiles(dir.Open(), dir.path(), c, &env).ok());
  c.done = {"new"};
  REQUIRE(WriteResumeFiles(dir.Open(), dir.path(), c, &env).ok());
  CHECK(ReadFileOrEmpty(dir / "done.txt") == "new\n");
  CHECK(ReadFileOrEmpty(dir / "state.json") == "{}\n");
}

TEST_CASE("A resume file that cannot be written is named and adds no variable") {
  TempDir dir;
  Checkpoint c;
  c.done = {"a"};
  Env env;
  REQUIRE(::mkdir((dir / "gone").c_str(), 0700) == 0);
  const Directory opened = dir.Open("gone");
  REQUIRE(::rmdir((dir / "gone").c_str()) == 0);
  Status status = WriteResumeFiles(opened, dir / "gone", c, &env);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find(dir / "gone/done.txt") != std::string::npos);
  CHECK(env.empty());
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
