// Encoding and verified decoding of one checkpoint file's bytes.
#pragma once

#include <string>
#include <string_view>

#include "checkpoint.h"
#include "status.h"

namespace ckwrap {

// Header + cereal payload, ready to be written by DurableReplace.
std::string EncodeCheckpoint(const Checkpoint& checkpoint);
// The same with the done ids taken from done instead of checkpoint.done, so a
// snapshot can be encoded on a worker thread from a set the loop only reads.
std::string EncodeCheckpoint(const Checkpoint& checkpoint, const DoneSet& done);

// Checks magic, version, length bound and checksum before cereal sees a byte,
// then decodes with every size prefix bounded by the bytes left, so hostile
// input is rejected without large allocations. Never throws.
Status DecodeCheckpoint(std::string_view bytes, Checkpoint* out);

}  // namespace ckwrap
