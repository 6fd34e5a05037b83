// The checkpoint slot between the C shim (shim/ckwrap.h, the writer) and
// ckwrap (intake/checkpoint_slot, the reader). The shim maps the slot once per
// process, so each case runs its shim calls in a forked child.
#include "intake/checkpoint_slot.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "ckwrap.h"

namespace ckwrap {
namespace {

struct Shimmed {
  std::unique_ptr<CheckpointSlot> slot;
  std::string fd3;  // what the shim wrote to fd 3
};

// Runs calls in a child under a fake ckwrap: CKWRAP_FD a pipe, CKWRAP_SLOT_FD
// the slot (a fresh one unless given; no CKWRAP_OUTPUTS unless outputs is).
Shimmed RunShim(const std::function<void()>& calls, const char* outputs = nullptr,
                std::unique_ptr<CheckpointSlot> slot = nullptr) {
  Shimmed out;
  out.slot = std::move(slot);
  if (!out.slot) REQUIRE(CheckpointSlot::Create(&out.slot).ok());
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    const int slot_fd = dup(out.slot->fd());  // without close-on-exec, as fd 5 is
    setenv("CKWRAP_FD", std::to_string(fds[1]).c_str(), 1);
    setenv("CKWRAP_SLOT_FD", std::to_string(slot_fd).c_str(), 1);
    if (outputs != nullptr) {
      setenv("CKWRAP_OUTPUTS", outputs, 1);
    } else {
      unsetenv("CKWRAP_OUTPUTS");
    }
    calls();
    _exit(0);
  }
  close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.fd3.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

std::string Take(CheckpointSlot* slot, uint64_t* ticket = nullptr) {
  uint64_t t = 0;
  std::string position;
  if (!slot->TakeNew(&t, &position)) return "(none)";
  if (ticket != nullptr) *ticket = t;
  return position;
}

}  // namespace

TEST_CASE("ck_checkpoint writes the slot, not fd 3, and ckwrap reads the newest position once") {
  Shimmed run = RunShim([] {
    for (unsigned long long i = 1; i <= 1000; ++i) {
      if (ck_checkpoint_u64(i) != 0) _exit(1);
    }
  });
  CHECK(run.fd3 == "SLOT\n");  // the one write: ckwrap should start reading the slot
  uint64_t ticket = 0;
  CHECK(Take(run.slot.get(), &ticket) == "1000");
  CHECK(ticket == 1000);
  CHECK(Take(run.slot.get()) == "(none)");  // nothing new since
  CHECK_FALSE(run.slot->closed());
}

TEST_CASE("another record closes the slot and sends its last position to fd 3 ahead of it") {
  Shimmed run = RunShim([] {
    ck_checkpoint("5");
    ck_done("x");
    ck_checkpoint("6");  // the slot is closed: fd 3
  });
  CHECK(run.fd3 == "SLOT\nCKPT 5\nDONE x\nCKPT 6\n");
  CHECK(run.slot->closed());
  CHECK(Take(run.slot.get()) == "(none)");  // a closed slot's position came through fd 3
}

TEST_CASE("a STATE written with its CKPT after slot writes: fd 3 in order, the slot closed") {
  Shimmed run = RunShim([] {
    ck_checkpoint("1");
    ck_checkpoint_with_state("2", "total", "3");
  });
  CHECK(run.fd3 == "SLOT\nCKPT 1\nSTATE total 3\nCKPT 2\n");
  CHECK(run.slot->closed());
}

TEST_CASE("records before the first slot write leave the slot open: ckwrap reads it after SLOT") {
  Shimmed run = RunShim([] {
    ck_state("k", "v");
    ck_checkpoint("1");
    ck_progress(1, 2);  // for display: does not close it
    ck_checkpoint("2");
  });
  CHECK(run.fd3 == "STATE k v\nSLOT\nPROGRESS 1 2\n");
  CHECK_FALSE(run.slot->closed());
  CHECK(Take(run.slot.get()) == "2");
}

TEST_CASE("with declared outputs the position goes to fd 3 with their sizes") {
  Shimmed run = RunShim([] { ck_checkpoint("3"); }, "/nonexistent/out.csv");
  CHECK(run.fd3 == "SIZE 0 /nonexistent/out.csv\nCKPT 3\n");
  CHECK(Take(run.slot.get()) == "(none)");
}

TEST_CASE("positions the slot cannot hold go to fd 3, and invalid ones are refused as before") {
  Shimmed run = RunShim([] {
    ck_checkpoint("1");
    const std::string longest(kSlotPositionBytes, 'p');
    ck_checkpoint(longest.c_str());  // fits the slot exactly
    const std::string longer(kSlotPositionBytes + 1, 'q');
    ck_checkpoint(longer.c_str());  // fd 3, after closing the slot
    if (ck_checkpoint("a\nb") != -1 || errno != EINVAL) _exit(1);
    if (ck_checkpoint("") != -1 || errno != EINVAL) _exit(2);
  });
  const std::string longest(kSlotPositionBytes, 'p');
  const std::string longer(kSlotPositionBytes + 1, 'q');
  CHECK(run.fd3 == "SLOT\nCKPT " + longest + "\nCKPT " + longer + "\n");
  CHECK(run.slot->closed());
}

TEST_CASE("a writer killed half way through an entry leaves the last whole position readable") {
  Shimmed run = RunShim([] { ck_checkpoint("41"); });
  // What a writer killed after taking ticket 2 leaves: its entry marked as
  // being written, the ticket counted, never published.
  void* memory = mmap(nullptr, kSlotBytes, PROT_READ | PROT_WRITE, MAP_SHARED, run.slot->fd(), 0);
  REQUIRE(memory != MAP_FAILED);
  auto* words = static_cast<uint64_t*>(memory);
  words[2] = 2;  // tickets handed out
  auto* entry = reinterpret_cast<uint64_t*>(static_cast<unsigned char*>(memory) + kSlotHeaderBytes +
                                            kSlotEntryBytes * (2 % kSlotEntries));
  entry[0] = 2 * 2 - 1;
  std::memcpy(entry + 2, "42-torn", 7);
  CHECK(Take(run.slot.get()) == "41");
  // An entry whose seq does not match the published ticket is never taken.
  words[1] = 2;  // published (as if), but seq still says "being written"
  CHECK(Take(run.slot.get()) == "(none)");
  munmap(memory, kSlotBytes);
}

TEST_CASE("bare (no CKWRAP_FD) the shim writes nothing, and not to a slot either") {
  std::unique_ptr<CheckpointSlot> slot;
  REQUIRE(CheckpointSlot::Create(&slot).ok());
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    unsetenv("CKWRAP_FD");
    setenv("CKWRAP_SLOT_FD", std::to_string(dup(slot->fd())).c_str(), 1);
    _exit(ck_checkpoint("7") == 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(Take(slot.get()) == "(none)");
}

TEST_CASE("a descriptor that is not a checkpoint slot is not written") {
  Shimmed run = RunShim([] {
    // CKWRAP_SLOT_FD names a regular file of the right size without the magic.
    FILE* f = tmpfile();
    if (f == nullptr || ftruncate(fileno(f), kSlotBytes) != 0) _exit(3);
    setenv("CKWRAP_SLOT_FD", std::to_string(fileno(f)).c_str(), 1);
    ck_checkpoint("9");
  });
  CHECK(run.fd3 == "CKPT 9\n");
  CHECK(Take(run.slot.get()) == "(none)");
}

}  // namespace ckwrap

namespace ckwrap {

TEST_CASE("an entry a stalled writer still holds sends the position through fd 3") {
  std::unique_ptr<CheckpointSlot> slot;
  REQUIRE(CheckpointSlot::Create(&slot).ok());
  // Ticket 1's entry, as a writer 16 tickets behind leaves it mid-write.
  void* memory = mmap(nullptr, kSlotBytes, PROT_READ | PROT_WRITE, MAP_SHARED, slot->fd(), 0);
  REQUIRE(memory != MAP_FAILED);
  auto* entry = reinterpret_cast<uint64_t*>(static_cast<unsigned char*>(memory) + kSlotHeaderBytes +
                                            kSlotEntryBytes * 1);
  entry[0] = 2 * 1 + 1;  // odd: being written
  munmap(memory, kSlotBytes);
  Shimmed run = RunShim(
      [] {
        if (ck_checkpoint("5") != 0) _exit(1);
      },
      nullptr, std::move(slot));
  CHECK(run.fd3 == "CKPT 5\n");
  CHECK(run.slot->closed());  // the rest goes through fd 3 too, in order
}

TEST_CASE("the slot is sealed at its size: a job cannot truncate it under ckwrap") {
  std::unique_ptr<CheckpointSlot> slot;
  REQUIRE(CheckpointSlot::Create(&slot).ok());
  CHECK(ftruncate(slot->fd(), 0) == -1);
  CHECK(errno == EPERM);
  CHECK(ftruncate(slot->fd(), 2 * kSlotBytes) == -1);
}

}  // namespace ckwrap
