// Verified decoding of one snapshot file's bytes (checkpoint_format.h), as
// written by snapshot_writer.h.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "store/checkpoint.h"

namespace ckwrap {

// Checks magic, version, length bound and checksum before cereal sees a byte,
// then decodes with every size prefix bounded by the bytes left, so hostile
// input is rejected without large allocations. Never throws. Bytes that do
// not verify are Status::Corruption, naming the fault but no path; *out
// changes only on success. journal_bytes, the size of the journal to replay
// on top, only sizes the done set ahead (fewer rehashes on loading).
Status DecodeCheckpoint(std::string_view bytes, Checkpoint* out, uint64_t journal_bytes = 0);

}  // namespace ckwrap
