#include "cli/starting_checkpoint.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/log.h"
#include "cli/options.h"

namespace ckwrap {
namespace {

RunOptions OptionsFor(std::vector<std::string> command) {
  RunOptions options;
  options.command = std::move(command);
  return options;
}

// A checkpoint the command made, complete or not, with one DONE id.
LoadedCheckpoint Found(const std::vector<std::string>& command, bool complete,
                       bool keep_done = false) {
  LoadedCheckpoint loaded;
  loaded.found = true;
  loaded.path = "st/checkpoint.00000000000000000002";
  loaded.checkpoint.has_position = true;
  loaded.checkpoint.position = "3";
  loaded.checkpoint.done.insert("a");
  loaded.checkpoint.command = command;
  loaded.checkpoint.command_fingerprint = CommandFingerprint(command);
  loaded.checkpoint.complete = complete;
  loaded.checkpoint.keep_done = keep_done;
  return loaded;
}

struct Quiet {
  Quiet() { SetQuiet(true); }
  ~Quiet() { SetQuiet(false); }
};

TEST_SUITE_BEGIN("cli/starting_checkpoint");

TEST_CASE("A completed checkpoint of the same command: nothing to do by default") {
  Quiet quiet;
  LoadedCheckpoint loaded = Found({"./job"}, true);
  StartingPoint start;
  REQUIRE(ChooseStartingPoint(loaded, OptionsFor({"./job"}), &start).ok());
  CHECK(start.already_complete);
  CHECK(start.summary == "already complete at position 3");
}

TEST_CASE("--on-complete rerun, or --incremental, starts a completed checkpoint again") {
  Quiet quiet;
  RunOptions rerun = OptionsFor({"./job"});
  rerun.on_complete = OnComplete::kRerun;
  LoadedCheckpoint loaded = Found({"./job"}, true, /*keep_done=*/true);
  StartingPoint start;
  REQUIRE(ChooseStartingPoint(loaded, rerun, &start).ok());
  CHECK_FALSE(start.already_complete);
  CHECK_FALSE(start.checkpoint.has_position);
  CHECK(start.checkpoint.done.size() == 0);  // dropped: no --incremental

  RunOptions incremental = OptionsFor({"./job"});
  incremental.incremental = true;
  LoadedCheckpoint kept = Found({"./job"}, true, /*keep_done=*/true);
  StartingPoint again;
  REQUIRE(ChooseStartingPoint(kept, incremental, &again).ok());
  CHECK_FALSE(again.already_complete);
  CHECK(again.checkpoint.done.size() == 1);
  CHECK(again.checkpoint.keep_done);

  incremental.on_complete = OnComplete::kExit;  // explicit beats the default
  LoadedCheckpoint exit = Found({"./job"}, true, true);
  StartingPoint none;
  REQUIRE(ChooseStartingPoint(exit, incremental, &none).ok());
  CHECK(none.already_complete);
}

TEST_CASE("A completed checkpoint of another command line is new work") {
  Quiet quiet;
  RunOptions options = OptionsFor({"./job", "2026-12-02"});
  options.name = "nightly";
  LoadedCheckpoint loaded = Found({"./job", "2026-12-01"}, true);
  StartingPoint start;
  REQUIRE(ChooseStartingPoint(loaded, options, &start).ok());
  CHECK_FALSE(start.already_complete);
  CHECK_FALSE(start.checkpoint.has_position);
  CHECK(start.checkpoint.command == options.command);
}

TEST_CASE("A changed command line resumes under --name or --state-dir, recording the new one") {
  Quiet quiet;
  for (int named = 0; named < 2; ++named) {
    RunOptions options = OptionsFor({"./job", "b"});
    (named ? options.name : options.state_dir) = "x";
    LoadedCheckpoint loaded = Found({"./job", "a"}, false);
    StartingPoint start;
    REQUIRE(ChooseStartingPoint(loaded, options, &start).ok());
    CHECK(start.checkpoint.position == "3");
    CHECK(start.checkpoint.command == options.command);
    CHECK(start.checkpoint.command_fingerprint == CommandFingerprint(options.command));
  }
}

TEST_CASE("A changed command line in a derived directory is refused, both lines shown") {
  Quiet quiet;
  LoadedCheckpoint loaded = Found({"./job", "a"}, false);
  StartingPoint start;
  Status status = ChooseStartingPoint(loaded, OptionsFor({"./job", "b"}), &start);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("the command line differs") != std::string::npos);
  CHECK(status.message().find("  recorded: \"./job\" \"a\"\n  new:      \"./job\" \"b\"\n") !=
        std::string::npos);
  // An earlier release recorded no command line: the refusal says so.
  LoadedCheckpoint old = Found({"./job", "a"}, false);
  old.checkpoint.command.clear();
  status = ChooseStartingPoint(old, OptionsFor({"./job", "b"}), &start);
  CHECK(status.message().find("recorded: (not recorded") != std::string::npos);
}

TEST_CASE("A watcher keeps a completed checkpoint") {
  Quiet quiet;
  RunOptions options;
  options.watch = true;
  LoadedCheckpoint loaded = Found({}, true);
  StartingPoint start;
  REQUIRE(ChooseStartingPoint(loaded, options, &start).ok());
  CHECK_FALSE(start.already_complete);
  CHECK(start.checkpoint.complete);
  CHECK(start.checkpoint.position == "3");
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
