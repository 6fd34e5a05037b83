// Encoding one snapshot file's bytes (checkpoint_format.h), in pieces: the
// header, the payload around the done ids, and the done ids about 1 MiB at a
// time, so a snapshot of millions of ids is never held whole. The store
// writes the pieces with DurablePublishWithHead; snapshot_reader.h reads them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/checkpoint.h"

namespace ckwrap {

class SnapshotWriter {
 public:
  // The snapshot of checkpoint with the done ids taken from done instead of
  // checkpoint.done, so it can be written on a worker thread from a set the
  // loop only reads. done must not change while the object lives, not even
  // its table's layout (no reserve): the ids go out in the order of its
  // slots, and size() was taken from it.
  // writer (if its pid is set) is recorded as the snapshot's writer section.
  SnapshotWriter(const Checkpoint& checkpoint, const DoneSet& done, const WriterId& writer = {});
  // The file's size in bytes.
  uint64_t size() const { return header_.size() + payload_bytes_; }
  // Calls emit with each piece in order; stops at, and returns, its first
  // error. The first piece is the header with its checksum zero: once every
  // piece is out, *header holds the real one, to write over it (the file is
  // encoded once, not once to hash and once to write).
  Status Emit(const std::function<Status(std::string_view)>& emit, std::string* header) const;

 private:
  const DoneSet& done_;
  std::string header_;
  std::string before_;  // the payload up to the done ids
  std::string after_;   // the payload after them
  uint64_t payload_bytes_ = 0;
};

}  // namespace ckwrap
