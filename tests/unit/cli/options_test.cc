#include "cli/options.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"

namespace ckwrap {
namespace {

// Sets an environment variable for one test, restoring it after: options
// read CKWRAP_* variables, and a leak would change every later test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

Status Parse(std::vector<std::string> args, RunOptions* out, bool allow_no_command = false) {
  *out = RunOptions();
  return ParseRunOptions(args, out, allow_no_command);
}

TEST_SUITE("cli/options") {
  TEST_CASE("An option takes its value from the next word or after an equals sign") {
    RunOptions o;
    REQUIRE(Parse({"--grace", "3s", "--name=imp", "--", "job"}, &o).ok());
    CHECK(o.grace_ms == 3000);
    CHECK(o.name == "imp");
    REQUIRE(Parse({"--grace=250ms", "job"}, &o).ok());
    CHECK(o.grace_ms == 250);
    // The next word is the value even when it looks like a flag.
    REQUIRE(Parse({"--resume-flag", "--from", "job"}, &o).ok());
    CHECK(o.resume_flag == "--from");
    REQUIRE(Parse({"--protocol-prefix=a=b", "job"}, &o).ok());
    CHECK(o.protocol_prefix == "a=b");
  }

  TEST_CASE("A flag without a value is set by being named") {
    RunOptions o;
    REQUIRE(Parse({"--quiet", "--incremental", "job"}, &o).ok());
    CHECK(o.quiet);
    CHECK(o.incremental);
    CHECK_FALSE(o.verbose);
  }

  TEST_CASE("An environment variable sets its option") {
    ScopedEnv grace("CKWRAP_GRACE", "2m");
    ScopedEnv match("CKWRAP_MATCH", "^at ([0-9]+)$");
    RunOptions o;
    REQUIRE(Parse({"job"}, &o).ok());
    CHECK(o.grace_ms == 120000);
    REQUIRE(o.matches.size() == 1);
    CHECK(o.matches[0].pattern == "^at ([0-9]+)$");
  }

  TEST_CASE("A command-line option overrides its environment variable") {
    ScopedEnv grace("CKWRAP_GRACE", "2m");
    ScopedEnv name("CKWRAP_NAME", "from-env");
    RunOptions o;
    REQUIRE(Parse({"--grace", "5s", "--name=from-flag", "job"}, &o).ok());
    CHECK(o.grace_ms == 5000);
    CHECK(o.name == "from-flag");
  }

  TEST_CASE("A flag's variable turns it on only when 1, true or yes") {
    RunOptions o;
    for (const char* on : {"1", "true", "yes"}) {
      ScopedEnv quiet("CKWRAP_QUIET", on);
      REQUIRE(Parse({"job"}, &o).ok());
      CHECK_MESSAGE(o.quiet, on);
    }
    for (const char* off : {"0", "false", "no", ""}) {
      ScopedEnv quiet("CKWRAP_QUIET", off);
      REQUIRE(Parse({"job"}, &o).ok());
      CHECK_FALSE_MESSAGE(o.quiet, off);
    }
  }

  TEST_CASE("An invalid value names the option or the variable it came from") {
    RunOptions o;
    CHECK(Parse({"--max-restarts", "lots", "job"}, &o).message() ==
          "invalid value 'lots' for --max-restarts: expected a whole number");
    CHECK(Parse({"--sync=sometimes", "job"}, &o).message().find("'sometimes' for --sync") !=
          std::string::npos);
    ScopedEnv grace("CKWRAP_GRACE", "soon");
    CHECK(Parse({"job"}, &o).message().find("'soon' for CKWRAP_GRACE") != std::string::npos);
  }

  TEST_CASE("An --output path with a newline is refused: CKWRAP_OUTPUTS lists one a line") {
    RunOptions o;
    CHECK(Parse({"--output", "out\n.csv", "job"}, &o).message() ==
          "invalid value 'out\n.csv' for --output: expected a file path without a newline");
    REQUIRE(Parse({"--output", "out 1.csv", "--output=b.csv", "job"}, &o).ok());
    CHECK(o.outputs == std::vector<std::string>{"out 1.csv", "b.csv"});
  }

  TEST_CASE("An option missing its value is refused, naming it") {
    RunOptions o;
    CHECK(Parse({"--grace"}, &o).message() == "option --grace needs a value");
    CHECK(Parse({"--quiet=1", "job"}, &o).message() == "option --quiet takes no value");
  }

  TEST_CASE("An unknown option is refused, naming it") {
    RunOptions o;
    CHECK(Parse({"--bogus", "job"}, &o).message() == "unknown option '--bogus'");
    CHECK(Parse({"--bogus=1", "job"}, &o).message() == "unknown option '--bogus'");
    CHECK(Parse({"-x", "job"}, &o).message() == "unknown option '-x'");
  }

  TEST_CASE("The first word that is not an option begins the command") {
    RunOptions o;
    REQUIRE(Parse({"--quiet", "job", "--grace", "x"}, &o).ok());
    CHECK(o.command == std::vector<std::string>{"job", "--grace", "x"});
    CHECK(o.grace_ms == 10000);
    REQUIRE(Parse({"--", "--job", "-v"}, &o).ok());
    CHECK(o.command == std::vector<std::string>{"--job", "-v"});
    REQUIRE(Parse({"-", "a"}, &o).ok());
    CHECK(o.command == std::vector<std::string>{"-", "a"});
  }

  TEST_CASE("No command is an error unless --help, -h, --version or --shim asks for none") {
    RunOptions o;
    CHECK(Parse({"--quiet"}, &o).message() == "no command given");
    CHECK(Parse({"--"}, &o).message() == "no command given");
    REQUIRE(Parse({"--help"}, &o).ok());
    CHECK(o.help);
    REQUIRE(Parse({"-h"}, &o).ok());
    CHECK(o.help);
    REQUIRE(Parse({"--version"}, &o).ok());
    CHECK(o.version);
    REQUIRE(Parse({"--shim", "sh"}, &o).ok());
    CHECK(o.shim == "sh");
  }

  TEST_CASE("watch's STATE_DIR may stand among its options") {
    RunOptions o;
    REQUIRE(Parse({"dir", "--progress-file", "p.log"}, &o, /*allow_no_command=*/true).ok());
    CHECK(o.command == std::vector<std::string>{"dir"});
    CHECK(o.progress_file == "p.log");
    REQUIRE(Parse({}, &o, /*allow_no_command=*/true).ok());
  }

  TEST_CASE("A duration takes ms, s, m or h, and a bare number is seconds") {
    const std::pair<const char*, uint64_t> kCases[] = {
        {"500ms", 500}, {"10s", 10000}, {"2m", 120000}, {"1h", 3600000}, {"7", 7000}, {"0", 0}};
    for (const auto& [text, want] : kCases) {
      uint64_t ms = 1;
      CHECK_MESSAGE(ParseDurationMs(text, &ms), text);
      CHECK_MESSAGE(ms == want, text);
    }
  }

  TEST_CASE("A duration that is not digits and a unit is refused") {
    uint64_t ms = 42;
    for (const char* bad : {"", "s", "ms", "1d", "1.5s", "-1s", "+1s", " 1s", "1s ", "1 s", "1S",
                            "10sec", "1h30m", "0x10"}) {
      CHECK_FALSE_MESSAGE(ParseDurationMs(bad, &ms), bad);
    }
    CHECK(ms == 42);  // untouched by a refusal
  }

  TEST_CASE("A duration has at most 12 digits, so no unit can overflow it") {
    uint64_t ms = 0;
    REQUIRE(ParseDurationMs("999999999999h", &ms));
    CHECK(ms == 999999999999ull * 3600000ull);
    CHECK_FALSE(ParseDurationMs("1000000000000ms", &ms));
    CHECK_FALSE(ParseDurationMs("99999999999999999999999h", &ms));
  }

  TEST_CASE("--state-dir is used as given, and --name names .ckwrap/NAME") {
    RunOptions o;
    o.command = {"job"};
    o.name = "imp";
    CHECK(ResolveStateDir(o) == ".ckwrap/imp");
    o.state_dir = "/var/ck";
    CHECK(ResolveStateDir(o) == "/var/ck");
  }

  TEST_CASE("A --name that is not one plain path component is refused") {
    RunOptions o;
    for (const char* bad : {"", "a/b", ".", ".."}) {
      CHECK_FALSE_MESSAGE(Parse({std::string("--name=") + bad, "job"}, &o).ok(), bad);
    }
  }

  TEST_CASE("The default state directory is the command's base name and a hash of its words") {
    RunOptions o;
    // Pinned: a new version must find the checkpoints an older one left.
    o.command = {"true"};
    CHECK(ResolveStateDir(o) == ".ckwrap/true-3412081d");
    o.command = {"/bin/true", "a", "b c"};
    CHECK(ResolveStateDir(o) == ".ckwrap/true-1a0c3b57");
    // Arguments split differently are a different command.
    RunOptions other;
    other.command = {"/bin/true", "a b", "c"};
    CHECK(ResolveStateDir(other) != ResolveStateDir(o));
  }

  TEST_CASE("The default state directory's name is made safe for a path") {
    RunOptions o;
    o.command = {"./my job$.sh"};
    CHECK(ResolveStateDir(o).rfind(".ckwrap/my_job_.sh-", 0) == 0);
    o.command = {".hidden"};
    CHECK(ResolveStateDir(o).rfind(".ckwrap/job.hidden-", 0) == 0);
    o.command = {"dir/"};
    CHECK(ResolveStateDir(o).rfind(".ckwrap/job-", 0) == 0);
    o.command = {std::string(100, 'x')};
    CHECK(ResolveStateDir(o) ==
          ".ckwrap/" + std::string(64, 'x') + ResolveStateDir(o).substr(8 + 64));
    CHECK(ResolveStateDir(o).size() == 8 + 64 + 1 + 8);
  }

  TEST_CASE("The usage names every option and variable of the table") {
    const std::string usage = RunUsage();
    for (const auto& flag : RunFlags()) {
      CHECK_MESSAGE(usage.find(std::string("\n  ") + flag.name + " ") != std::string::npos,
                    flag.name);
      if (flag.env != nullptr) {
        CHECK_MESSAGE(usage.find(std::string("(") + flag.env) != std::string::npos, flag.env);
      }
      if (flag.metavar != nullptr) {
        CHECK_MESSAGE(usage.find(std::string(flag.name) + " " + flag.metavar) != std::string::npos,
                      flag.name);
      }
    }
    CHECK(usage.find("\n  --help, -h ") != std::string::npos);
  }

  TEST_CASE("The usage lists every subcommand with its synopsis") {
    const std::string usage = RunUsage();
    for (const Subcommand& sub : Subcommands()) {
      CHECK_MESSAGE(usage.find(std::string("ckwrap ") + sub.name + " " + sub.synopsis + "\n") !=
                        std::string::npos,
                    sub.name);
      CHECK_MESSAGE(usage.find(std::string("\n  ") + sub.name + " ") != std::string::npos,
                    sub.name);
      CHECK(FindSubcommand(sub.name) == &sub);
    }
    CHECK(FindSubcommand("run") == nullptr);
  }

  TEST_CASE("Every line of the usage fits in 80 columns") {
    const std::string usage = RunUsage();
    size_t start = 0;
    while (start < usage.size()) {
      size_t end = usage.find('\n', start);
      CHECK_MESSAGE(end - start <= 80, usage.substr(start, end - start));
      start = end + 1;
    }
  }

  TEST_CASE("Every option in the table has a distinct flag and variable") {
    const auto& flags = RunFlags();
    for (size_t i = 0; i < flags.size(); ++i) {
      CHECK(std::string(flags[i].name).rfind("--", 0) == 0);
      for (size_t j = i + 1; j < flags.size(); ++j) {
        CHECK(std::string(flags[i].name) != flags[j].name);
        if (flags[i].env && flags[j].env) CHECK(std::string(flags[i].env) != flags[j].env);
      }
    }
  }
}

}  // namespace
}  // namespace ckwrap
