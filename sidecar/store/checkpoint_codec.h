// Encoding and verified decoding of one checkpoint file's bytes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/checkpoint.h"

namespace ckwrap {

// Header + cereal payload, ready to be written by DurableReplace.
std::string EncodeCheckpoint(const Checkpoint& checkpoint);
// The same with the done ids taken from done instead of checkpoint.done, so a
// snapshot can be encoded on a worker thread from a set the loop only reads.
std::string EncodeCheckpoint(const Checkpoint& checkpoint, const DoneSet& done);

// The same bytes in pieces (header, payload, the done ids about 1 MiB at a
// time), for writing a snapshot of millions of ids without holding it whole.
// done must not change while the object lives.
class CheckpointPieces {
 public:
  CheckpointPieces(const Checkpoint& checkpoint, const DoneSet& done);
  uint64_t size() const { return header_.size() + payload_bytes_; }
  // Calls emit with each piece in order; stops at, and returns, its first error.
  Status Emit(const std::function<Status(std::string_view)>& emit) const;

 private:
  Status EmitPayload(const std::function<Status(std::string_view)>& emit) const;

  const DoneSet& done_;
  std::string header_;
  std::string before_;  // the payload up to the done ids
  std::string after_;   // the payload after them
  uint64_t payload_bytes_ = 0;
};

// Checks magic, version, length bound and checksum before cereal sees a byte,
// then decodes with every size prefix bounded by the bytes left, so hostile
// input is rejected without large allocations. Never throws.
Status DecodeCheckpoint(std::string_view bytes, Checkpoint* out);

}  // namespace ckwrap
