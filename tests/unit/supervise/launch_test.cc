// One launch without the child: its argv with the resume position, its
// environment and resume files, and the pipes it must not leak.
#include "supervise/launch.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "store/checkpoint_test_util.h"
#include "store/directory.h"
#include "supervise/resume_files.h"

namespace ckwrap {
namespace {

using testing::ReadFileOrEmpty;
using testing::TempDir;

// The launch writes resume files through the state directory's descriptor.
Status Prepare(const RunOptions& options, const Checkpoint& checkpoint, const std::string& path,
               LaunchSpec* spec) {
  Directory dir;
  Status opened = Directory::Open(path, &dir);
  if (!opened.ok()) return opened;
  return PrepareJobEnvironment(options, checkpoint, dir, path, spec);
}
using Argv = std::vector<std::string>;

// done.txt's lines, sorted (the file is in no particular order); each id must
// end with a newline, the last one too.
std::vector<std::string> DoneFileLines(const std::string& path) {
  const std::string bytes = ReadFileOrEmpty(path);
  CHECK((bytes.empty() || bytes.back() == '\n'));
  std::vector<std::string> lines;
  for (size_t at = 0; at < bytes.size();) {
    const size_t end = bytes.find('\n', at);
    lines.push_back(bytes.substr(at, end - at));
    at = end + 1;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

RunOptions Command(Argv command) {
  RunOptions options;
  options.command = std::move(command);
  return options;
}

Checkpoint At(const std::string& position) {
  Checkpoint c;
  c.has_position = true;
  c.position = position;
  return c;
}

// The value spec sets for name, or "<unset>" if it removes it, or "<absent>".
std::string EnvOf(const LaunchSpec& spec, const std::string& name) {
  for (const auto& [key, value] : spec.env) {
    if (key == name) return value;
  }
  if (std::find(spec.unset_env.begin(), spec.unset_env.end(), name) != spec.unset_env.end()) {
    return "<unset>";
  }
  return "<absent>";
}

bool IsOpen(int fd) { return fd >= 0 && fcntl(fd, F_GETFD) != -1; }

TEST_SUITE_BEGIN("supervise/launch");

TEST_CASE("Without a position the job runs as its command") {
  CHECK(ChildArgv(Command({"job", "--x", "in.csv"}), Checkpoint{}) == Argv{"job", "--x", "in.csv"});
}

TEST_CASE("With a position the resume flag and the position are appended") {
  CHECK(ChildArgv(Command({"job", "in.csv"}), At("row 7")) ==
        Argv{"job", "in.csv", "--resume-from", "row 7"});
}

TEST_CASE("A custom --resume-flag is the word placed before the position") {
  RunOptions options = Command({"job"});
  options.resume_flag = "--skip";
  CHECK(ChildArgv(options, At("7")) == Argv{"job", "--skip", "7"});
}

TEST_CASE("An argument with {} gets the position in place and nothing is appended") {
  RunOptions options = Command({"job", "--skip={}", "in.csv", "{}-{}"});
  CHECK(ChildArgv(options, At("7")) == Argv{"job", "--skip=7", "in.csv", "7-{}"});
}

TEST_CASE("A fresh start leaves out the arguments with {}") {
  RunOptions options = Command({"job", "--skip={}", "in.csv"});
  CHECK(ChildArgv(options, Checkpoint{}) == Argv{"job", "in.csv"});
}

TEST_CASE("The command itself is never templated") {
  RunOptions options = Command({"./{}job", "in"});
  CHECK(ChildArgv(options, At("7")) == Argv{"./{}job", "in", "--resume-from", "7"});
  CHECK(ChildArgv(options, Checkpoint{}) == Argv{"./{}job", "in"});
}

TEST_CASE("--resume-env-only appends nothing, but {} still gets the position") {
  RunOptions options = Command({"job", "in"});
  options.resume_env_only = true;
  CHECK(ChildArgv(options, At("7")) == Argv{"job", "in"});
  options.command = {"job", "--skip={}"};
  CHECK(ChildArgv(options, At("7")) == Argv{"job", "--skip=7"});
}

TEST_CASE("A fresh launch gets the protocol variables and no resume variables or files") {
  TempDir dir;
  Checkpoint fresh;
  fresh.attempts = 1;
  LaunchSpec spec;
  Status status = Prepare(Command({"job"}), fresh, dir.path(), &spec);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(EnvOf(spec, "CKWRAP_FD") == "3");
  CHECK(EnvOf(spec, "CKWRAP_ACK_FD") == "4");
  CHECK(EnvOf(spec, "CKWRAP_STATE_DIR") == dir.path());
  CHECK(EnvOf(spec, "CKWRAP_ATTEMPT") == "1");
  CHECK(EnvOf(spec, "CKWRAP_RESUME_FROM") == "<unset>");
  CHECK(EnvOf(spec, "CKWRAP_RESUME_FLAG") == "<unset>");
  CHECK(EnvOf(spec, "CKWRAP_DONE_FILE") == "<unset>");
  CHECK(EnvOf(spec, "CKWRAP_STATE_FILE") == "<unset>");
  CHECK(EnvOf(spec, "CKWRAP_OUTPUTS") == "<unset>");  // none declared: not the parent's
  CHECK(testing::ListNames(dir.path()).empty());
}

TEST_CASE("A resumed launch gets the position, the flag and the resume files") {
  TempDir dir;
  Checkpoint resumed = At("row 7");
  resumed.attempts = 2;
  resumed.done = {"a", "b"};
  resumed.state["cursor"] = "42";
  resumed.outputs.resize(2);
  resumed.outputs[0].path = "/data/out 1.csv";
  resumed.outputs[1].path = "/data/rejects.csv";
  RunOptions options = Command({"job"});
  options.resume_flag = "--skip";
  LaunchSpec spec;
  Status status = Prepare(options, resumed, dir.path(), &spec);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(EnvOf(spec, "CKWRAP_ATTEMPT") == "2");
  CHECK(EnvOf(spec, "CKWRAP_RESUME_FROM") == "row 7");
  CHECK(EnvOf(spec, "CKWRAP_RESUME_FLAG") == "--skip");
  CHECK(EnvOf(spec, "CKWRAP_DONE_FILE") == dir / kDoneFileName);
  CHECK(EnvOf(spec, "CKWRAP_STATE_FILE") == dir / kStateFileName);
  CHECK(DoneFileLines(dir / kDoneFileName) == std::vector<std::string>{"a", "b"});
  CHECK(ReadFileOrEmpty(dir / kStateFileName) == "{\"cursor\":\"42\"}\n");
  CHECK(EnvOf(spec, "CKWRAP_OUTPUTS") == "/data/out 1.csv\n/data/rejects.csv");
  CHECK(spec.unset_env.empty());
}

TEST_CASE("done.txt holds every id once, on its own line, past its 1 MiB pieces") {
  TempDir dir;
  Checkpoint resumed;
  std::vector<std::string> ids;
  for (int i = 0; i < 300000; ++i) ids.push_back("item-" + std::to_string(i));  // 3.4 MB
  ids.push_back(std::string(70000, 'x'));  // longer than what is left of a piece
  for (const std::string& id : ids) resumed.done.insert(id);
  LaunchSpec spec;
  Status status = Prepare(Command({"job"}), resumed, dir.path(), &spec);
  REQUIRE_MESSAGE(status.ok(), status.message());
  std::sort(ids.begin(), ids.end());
  CHECK(DoneFileLines(dir / kDoneFileName) == ids);
}

TEST_CASE("An output whose path holds a newline fails the launch: CKWRAP_OUTPUTS cannot list it") {
  TempDir dir;
  Checkpoint fresh;
  fresh.outputs.resize(1);
  fresh.outputs[0].path = "/data/odd\nname.csv";
  LaunchSpec spec;
  Status status = Prepare(Command({"job"}), fresh, dir.path(), &spec);
  CHECK_FALSE(status.ok());
  CHECK(status.message().find("contains a newline") != std::string::npos);
}

TEST_CASE("DONE ids alone resume: the files are written but there is no position to pass") {
  TempDir dir;
  Checkpoint resumed;
  resumed.done = {"a"};
  LaunchSpec spec;
  Status status = Prepare(Command({"job"}), resumed, dir.path(), &spec);
  REQUIRE_MESSAGE(status.ok(), status.message());
  CHECK(EnvOf(spec, "CKWRAP_RESUME_FROM") == "<unset>");
  CHECK(EnvOf(spec, "CKWRAP_RESUME_FLAG") == "<unset>");
  CHECK(EnvOf(spec, "CKWRAP_DONE_FILE") == dir / kDoneFileName);
  CHECK(ReadFileOrEmpty(dir / kDoneFileName) == "a\n");
}

TEST_CASE("Resume files that cannot be written fail the launch and name the file") {
  TempDir dir;
  const std::string gone = dir / "gone";
  REQUIRE(mkdir(gone.c_str(), 0700) == 0);
  Directory state_dir;
  REQUIRE(Directory::Open(gone, &state_dir).ok());
  REQUIRE(rmdir(gone.c_str()) == 0);  // the descriptor now names a removed directory
  LaunchSpec spec;
  Status status = PrepareJobEnvironment(Command({"job"}), At("7"), state_dir, gone, &spec);
  CHECK_FALSE(status.ok());
  CHECK(status.message().find("gone") != std::string::npos);
}

TEST_CASE("The launch pipes close every fd they still hold when destroyed") {
  std::vector<int> fds;
  {
    LaunchPipes pipes;
    Status status = pipes.Open();
    REQUIRE_MESSAGE(status.ok(), status.message());
    int out[2];
    int err[2];
    REQUIRE(pipe(out) == 0);
    REQUIRE(pipe(err) == 0);
    close(out[0]);
    close(err[0]);
    pipes.stdout_write = out[1];
    pipes.stderr_write = err[1];
    fds = {pipes.protocol_read, pipes.protocol_write, pipes.ack_read,
           pipes.ack_write,     pipes.stdout_write,   pipes.stderr_write};
    for (int fd : fds) CHECK(IsOpen(fd));
    CHECK((fcntl(pipes.protocol_read, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK((fcntl(pipes.ack_write, F_GETFL) & O_NONBLOCK) != 0);
  }
  for (int fd : fds) CHECK_FALSE(IsOpen(fd));
}

TEST_CASE("The child's ends close at once and a taken fd is left to its new owner") {
  int protocol_read = -1;
  int ack_write = -1;
  std::vector<int> child_ends;
  {
    LaunchPipes pipes;
    REQUIRE(pipes.Open().ok());
    child_ends = {pipes.protocol_write, pipes.ack_read};
    pipes.CloseChildEnds();
    for (int fd : child_ends) CHECK_FALSE(IsOpen(fd));
    CHECK(pipes.protocol_write == -1);
    CHECK(pipes.ack_read == -1);
    protocol_read = LaunchPipes::Take(&pipes.protocol_read);
    CHECK(pipes.protocol_read == -1);
    ack_write = pipes.ack_write;  // not taken: closed with the pipes
  }
  CHECK(IsOpen(protocol_read));
  CHECK_FALSE(IsOpen(ack_write));
  close(protocol_read);
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
