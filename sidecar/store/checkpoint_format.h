// The checkpoint file format, shared by the writer (checkpoint_codec.cc) and
// the verifying reader. The grammar is in man/ckwrap-checkpoint.5:
//
//   offset size  field
//   0      8     magic "CKWRAPCP"
//   8      4     format version, u32 little-endian
//   12     4     reserved, zero
//   16     8     payload length in bytes, u64 little-endian (<= kMaxPayloadBytes)
//   24     8     XXH3-64 of bytes [0, 24) followed by the payload, u64 little-endian
//   32     n     payload: cereal PortableBinary archive of Checkpoint
//
// The payload, in this order (u8/u64/i64 little-endian; str = u64 length, then
// that many bytes; pair = str str; every count and length is checked against
// the bytes left before anything is allocated; no byte may follow):
//   u8 1 (cereal's little-endian mark)   u8 has_position (0|1)   str position
//   u64 n, n x str done id (any order)   u64 n, n x pair failure (id, reason)
//   u64 n, n x pair state (key, value)   u64 records  u64 attempts  u64 restarts
//   i64 created_unix_ms  i64 updated_unix_ms  u64 command_fingerprint
//   u8 complete (0|1)  u64 progress_done  u64 progress_total
#pragma once

#include <cstddef>
#include <cstdint>

namespace ckwrap::checkpoint_format {

inline constexpr char kMagic[8] = {'C', 'K', 'W', 'R', 'A', 'P', 'C', 'P'};
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 32;
inline constexpr size_t kChecksumOffset = 24;
inline constexpr uint64_t kMaxPayloadBytes = uint64_t{1} << 32;  // 4 GiB

}  // namespace ckwrap::checkpoint_format
