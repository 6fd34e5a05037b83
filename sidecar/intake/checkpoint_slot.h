// The checkpoint slot: a small shared memory file (memfd) that a job maps
// through $CKWRAP_SLOT_FD (fd 5) and writes its latest CKPT position into
// with no system call, where a write(2) to fd 3 per item costs a fast job
// (100 k items/s) 13% of its time. ckwrap reads it when it reads fd 3, on a
// timer of --commit-interval once the job announced it with a SLOT record,
// and once more at the end of fd 3; a job killed right after writing it
// loses nothing, since the memory is ckwrap's.
//
// Only a position goes here, latest wins; every other record still goes
// through fd 3. The C shim closes the slot (and sends its last position
// through fd 3 with the record) before any other record that is not SYNC or
// PROGRESS, so records reach ckwrap in the order they were written
// (ckwrap-protocol(7), "The checkpoint slot").
//
// Layout (shim/ckwrap_slot.h has the same), 64-bit words in the machine's
// byte order:
//   [0]  magic "CKWSLOT1"
//   [8]  published: the ticket of the newest complete write, 0 before any
//   [16] tickets: bit 63 set once closed; below it, the tickets handed out
//   [64 + 4096 * (ticket % 16)] an entry: seq (2 * ticket - 1 while being
//        written, 2 * ticket once whole), a 4-byte length, the position
// Writers are lock-free (a ticket each, an entry each); a writer killed half
// way never published its ticket, so the newest published entry is whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace ckwrap {

inline constexpr uint64_t kSlotMagic = 0x31544f4c53574b43;  // "CKWSLOT1", little-endian
inline constexpr size_t kSlotEntries = 16;
inline constexpr size_t kSlotEntryBytes = 4096;
inline constexpr size_t kSlotHeaderBytes = 64;
inline constexpr size_t kSlotPositionBytes = kSlotEntryBytes - 16;  // after seq and length
inline constexpr size_t kSlotBytes = kSlotHeaderBytes + kSlotEntries * kSlotEntryBytes;
inline constexpr uint64_t kSlotClosed = uint64_t{1} << 63;

class CheckpointSlot {
 public:
  // A fresh slot for one launch, or an error naming what failed.
  static Status Create(std::unique_ptr<CheckpointSlot>* out);
  ~CheckpointSlot();
  CheckpointSlot(const CheckpointSlot&) = delete;
  CheckpointSlot& operator=(const CheckpointSlot&) = delete;

  // The memfd, for the child's fd 5 (close-on-exec in ckwrap).
  int fd() const { return fd_; }
  // The shim stopped using it: its last position went to fd 3 instead.
  bool closed() const;
  // A position written since the last call that returned one: true with it
  // in *position and its ticket in *ticket. False when there is none, or the
  // newest entry was being overwritten through every retry (then the next
  // call tries again).
  bool TakeNew(uint64_t* ticket, std::string* position);

 private:
  CheckpointSlot(int fd, unsigned char* memory) : fd_(fd), memory_(memory) {}
  uint64_t* word(size_t offset) const { return reinterpret_cast<uint64_t*>(memory_ + offset); }
  bool ReadEntry(uint64_t ticket, std::string* position) const;

  int fd_;
  unsigned char* memory_;
  uint64_t taken_ = 0;  // the ticket last returned by TakeNew
};

}  // namespace ckwrap
