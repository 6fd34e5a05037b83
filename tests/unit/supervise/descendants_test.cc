// The job's process tree read from /proc: descendants found through a
// setsid, zombies left out, and which signals a process has a handler for.
// Real processes, synchronized by pipes (no sleeps), all reaped.
#include "supervise/descendants.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <vector>

namespace ckwrap {
namespace {

bool Has(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

// A pipe whose ends close at scope exit.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  void CloseRead() {
    if (read_end >= 0) close(read_end);
    read_end = -1;
  }
  void CloseWrite() {
    if (write_end >= 0) close(write_end);
    write_end = -1;
  }
};

// In a child: blocks until the parent closes release's write end.
void WaitForRelease(Pipe& release) {
  close(release.write_end);
  char byte;
  while (read(release.read_end, &byte, 1) > 0) {
  }
}

// Forks a child that runs body (only async-signal-safe calls) then _exits.
pid_t Fork(const std::function<void()>& body) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    body();
    _exit(0);
  }
  return pid;
}

int Reap(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return status;
}

// Forks a child that sets SIGUSR1's disposition, says so, and waits for release.
pid_t ForkWithSigusr1(void (*handler)(int), Pipe& release) {
  Pipe ready;
  const pid_t pid = Fork([&] {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, nullptr);
    close(ready.read_end);
    (void)!write(ready.write_end, "r", 1);
    close(ready.write_end);
    WaitForRelease(release);
  });
  ready.CloseWrite();
  char byte;
  REQUIRE(read(ready.read_end, &byte, 1) == 1);
  return pid;
}

void OnSigusr1(int) {}

TEST_SUITE_BEGIN("supervise/descendants");

TEST_CASE("A child and a grandchild that left the session are descendants, parents first") {
  Pipe ready;
  Pipe release;
  const pid_t child = Fork([&] {
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      setsid();
      const pid_t self = getpid();
      close(ready.read_end);
      (void)!write(ready.write_end, &self, sizeof self);
      close(ready.write_end);
      WaitForRelease(release);
      _exit(0);
    }
    close(ready.read_end);
    close(ready.write_end);
    WaitForRelease(release);
    if (grandchild > 0) waitpid(grandchild, nullptr, 0);
  });
  ready.CloseWrite();
  pid_t grandchild = -1;
  REQUIRE(read(ready.read_end, &grandchild, sizeof grandchild) == sizeof grandchild);

  const std::vector<pid_t> found = ListDescendants();
  CHECK(Has(found, child));
  CHECK(Has(found, grandchild));
  CHECK_FALSE(Has(found, getpid()));
  CHECK(std::find(found.begin(), found.end(), child) <
        std::find(found.begin(), found.end(), grandchild));

  release.CloseWrite();
  CHECK(WIFEXITED(Reap(child)));
  CHECK_FALSE(Has(ListDescendants(), child));
}

TEST_CASE("A zombie child is not a descendant") {
  const pid_t child = Fork([] {});
  siginfo_t info{};
  // Waits for the exit but leaves the zombie in place.
  REQUIRE(waitid(P_PID, child, &info, WEXITED | WNOWAIT) == 0);
  CHECK_FALSE(Has(ListDescendants(), child));
  Reap(child);
}

TEST_CASE("Listing descendants leaves a dead child's exit status to whoever reaps it") {
  // The reaper learns the job's exit from waitpid: a listing that reaped
  // the zombie on its way would lose it.
  const pid_t child = Fork([] { _exit(7); });
  siginfo_t info{};
  REQUIRE(waitid(P_PID, child, &info, WEXITED | WNOWAIT) == 0);
  CHECK(ListDescendants().empty());
  const int status = Reap(child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
}

TEST_CASE("Without a child there is no descendant; a child stopped by a signal is one") {
  CHECK(ListDescendants().empty());
  Pipe release;
  const pid_t child = Fork([&] { WaitForRelease(release); });
  REQUIRE(kill(child, SIGSTOP) == 0);
  siginfo_t info{};
  REQUIRE(waitid(P_PID, child, &info, WSTOPPED | WNOWAIT) == 0);
  CHECK(Has(ListDescendants(), child));
  REQUIRE(kill(child, SIGCONT) == 0);
  release.CloseWrite();
  Reap(child);
}

TEST_CASE("A process that installed a SIGUSR1 handler catches SIGUSR1 and nothing else") {
  Pipe release;
  const pid_t child = ForkWithSigusr1(OnSigusr1, release);
  CHECK(CatchesSignal(child, SIGUSR1));
  CHECK_FALSE(CatchesSignal(child, SIGUSR2));
  CHECK_FALSE(CatchesSignal(child, 0));
  CHECK_FALSE(CatchesSignal(child, 65));
  release.CloseWrite();
  Reap(child);
}

TEST_CASE("A process with SIGUSR1 at its default or ignored does not catch it") {
  Pipe release;
  const pid_t by_default = ForkWithSigusr1(SIG_DFL, release);
  const pid_t ignoring = ForkWithSigusr1(SIG_IGN, release);
  CHECK_FALSE(CatchesSignal(by_default, SIGUSR1));
  CHECK_FALSE(CatchesSignal(ignoring, SIGUSR1));
  release.CloseWrite();
  Reap(by_default);
  Reap(ignoring);
}

TEST_CASE("A process that is gone catches nothing") {
  const pid_t child = Fork([] {});
  Reap(child);
  CHECK_FALSE(CatchesSignal(child, SIGUSR1));
}

TEST_SUITE_END();

}  // namespace
}  // namespace ckwrap
