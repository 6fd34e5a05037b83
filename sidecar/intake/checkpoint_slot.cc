#include "intake/checkpoint_slot.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ckwrap {
namespace {

// How often a read retries an entry a writer is overwriting: a write is a
// copy of a few bytes, so one retry almost always suffices.
constexpr int kReadTries = 8;

}  // namespace

Status CheckpointSlot::Create(std::unique_ptr<CheckpointSlot>* out) {
  const int fd = memfd_create("ckwrap-checkpoint-slot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return Status::FromErrno("cannot create", "the checkpoint slot (memfd)", errno);
  // Sealed at its size: a job that truncated it would kill ckwrap (SIGBUS).
  if (ftruncate(fd, kSlotBytes) != 0 ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    const int err = errno;
    close(fd);
    return Status::FromErrno("cannot size and seal", "the checkpoint slot", err);
  }
  void* memory = mmap(nullptr, kSlotBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (memory == MAP_FAILED) {
    const int err = errno;
    close(fd);
    return Status::FromErrno("cannot map", "the checkpoint slot", err);
  }
  out->reset(new CheckpointSlot(fd, static_cast<unsigned char*>(memory)));
  // Zeroed by ftruncate; the magic last, so a shim never maps a half-made slot.
  __atomic_store_n((*out)->word(0), kSlotMagic, __ATOMIC_RELEASE);
  return Status::Ok();
}

CheckpointSlot::~CheckpointSlot() {
  munmap(memory_, kSlotBytes);
  close(fd_);
}

bool CheckpointSlot::closed() const {
  return (__atomic_load_n(word(16), __ATOMIC_ACQUIRE) & kSlotClosed) != 0;
}

// A seqlock read: the entry's seq must say "ticket, whole" before and after
// the copy, or a later writer was reusing the entry meanwhile.
bool CheckpointSlot::ReadEntry(uint64_t ticket, std::string* position) const {
  const size_t offset = kSlotHeaderBytes + kSlotEntryBytes * (ticket % kSlotEntries);
  const uint64_t* seq = word(offset);
  if (__atomic_load_n(seq, __ATOMIC_ACQUIRE) != 2 * ticket) return false;
  uint32_t length = 0;
  std::memcpy(&length, memory_ + offset + 8, sizeof length);
  if (length > kSlotPositionBytes) return false;  // torn, or not written by a shim
  position->assign(reinterpret_cast<const char*>(memory_ + offset + 16), length);
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  return __atomic_load_n(seq, __ATOMIC_RELAXED) == 2 * ticket;
}

bool CheckpointSlot::TakeNew(uint64_t* ticket, std::string* position) {
  if (closed()) return false;  // its last position comes through fd 3
  for (int i = 0; i < kReadTries; ++i) {
    const uint64_t published = __atomic_load_n(word(8), __ATOMIC_ACQUIRE);
    if (published == taken_) return false;
    if (ReadEntry(published, position)) {
      taken_ = published;
      *ticket = published;
      return true;
    }
  }
  return false;
}

}  // namespace ckwrap
