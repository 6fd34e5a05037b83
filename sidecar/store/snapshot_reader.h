// Verified decoding of one snapshot file's bytes (checkpoint_format.h), as
// written by snapshot_writer.h.
#pragma once

#include <cstdint>
#include <string>
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

// The same for an open snapshot file (path names it in errors), never held
// whole: ten million ids are a 200 MB file, whose fresh memory cost more to
// fault in than reading the file twice from the page cache. It is verified
// in a first read, a piece at a time, and decoded in a second that is
// hashed again (a file that changed in between is not trusted). An error
// reading it is returned as it is, not as Corruption. *file_bytes: its size.
Status ReadCheckpointFile(int fd, const std::string& path, Checkpoint* out, uint64_t journal_bytes,
                          uint64_t* file_bytes);

}  // namespace ckwrap
