// The snapshot file format, checkpoint.<generation> (filenames.h), shared by
// the writer (snapshot_writer.cc) and the verifying reader
// (snapshot_reader.cc). The grammar, and the order of the checks a reader
// makes, are in man/ckwrap-checkpoint.5 (HEADER, PAYLOAD, VERIFICATION).
// Every number is little-endian (coding.h), whatever the host; the done
// set's buckets are copied as they are in memory, so ckwrap builds only for
// little-endian hosts (done_set_image.cc).
//
//   offset size  field
//   0      8     magic "CKWRAPCP"
//   8      4     format version, u32
//   12     4     reserved, zero
//   16     8     payload length in bytes, u64 (<= kMaxPayloadBytes)
//   24     8     XXH3-64 of bytes [0, 24) followed by the payload, u64
//   32     n     payload: cereal PortableBinary archive of Checkpoint
//
// The payload, in this order (str = u64 length, then that many bytes; pair =
// str str; every count and length is checked against the bytes left before
// anything is allocated; no byte may follow):
//   u8 1 (cereal's little-endian mark)   u8 has_position (0|1)   str position
//   the done set: since version 3 its image (done_set_image.h: the arena's
//     chunks and the table's buckets as they are in memory); before, u64 n,
//     n x str done id (any order)
//   u64 n, n x failure: (str id, str reason, u64 count) since version 2, one
//     per id; a version-1 pair (str id, str reason) per FAIL record
//     (duplicates folded on reading)
//   u64 n, n x pair state (key, value)   u64 records  u64 attempts  u64 restarts
//   i64 created_unix_ms  i64 updated_unix_ms  u64 command_fingerprint
//   u8 complete (0|1)  u64 progress_done  u64 progress_total
// then the optional sections, each only when set and in this order, each a
// tag byte and its fields:
//   1 progress file  u64 dev  u64 ino (never 0)  u64 offset  u64 head hash
//   2 outputs        u64 n, n x (str path, u64 size, u64 tail hash)
//   3 inputs         u64 n, n x (str path, u64 size, i64 mtime_ns, u64 hash)
//   4 keep done      (no fields)
//   5 command line   u64 n, n x str argument
//   6 writer         str host name, u64 pid: who published this generation
//                    (man/ckwrap-checkpoint.5, FENCING)
#pragma once

#include <cstddef>
#include <cstdint>

namespace ckwrap::checkpoint_format {

// ---- The header. ----
inline constexpr char kMagic[8] = {'C', 'K', 'W', 'R', 'A', 'P', 'C', 'P'};
// 3 since the done set's image, 2 since the failure count: an older ckwrap
// then says which version it found rather than misreading the file.
// Versions 1 and 2 are still read.
inline constexpr uint32_t kVersion = 3;
inline constexpr uint32_t kVersionWithIdList = 2;  // and before: the done ids one by one
inline constexpr uint32_t kVersionWithoutFailureCount = 1;
inline constexpr size_t kMagicOffset = 0;
inline constexpr size_t kVersionOffset = 8;    // u32
inline constexpr size_t kReservedOffset = 12;  // u32
inline constexpr size_t kLengthOffset = 16;    // u64
inline constexpr size_t kChecksumOffset = 24;  // u64; the bytes before it are hashed too
inline constexpr size_t kHeaderBytes = 32;
inline constexpr uint64_t kMaxPayloadBytes = uint64_t{1} << 32;  // 4 GiB
inline constexpr uint64_t kMaxFileBytes = kHeaderBytes + kMaxPayloadBytes;

// ---- The payload. ----
inline constexpr uint8_t kLittleEndianMark = 1;  // cereal's first byte
inline constexpr size_t kStringLengthBytes = 8;  // the u64 before a str's bytes
// Smallest encoding of one element, used to bound a count by the bytes left.
inline constexpr size_t kMinStringBytes = kStringLengthBytes;  // no bytes
inline constexpr size_t kMinPairBytes = 2 * kMinStringBytes;
inline constexpr size_t kMinFailureBytes = kMinPairBytes + 8;  // and the u64 count

// ---- The optional sections: tags, and sizes to bound their counts. ----
inline constexpr uint8_t kSectionProgressFile = 1;
inline constexpr uint8_t kSectionOutputs = 2;
inline constexpr uint8_t kSectionInputs = 3;
inline constexpr uint8_t kSectionKeepDone = 4;
inline constexpr uint8_t kSectionCommand = 5;
inline constexpr uint8_t kSectionWriter = 6;
inline constexpr size_t kProgressFileSectionBytes = 1 + 4 * 8;  // tag and four u64
inline constexpr size_t kMinOutputBytes = kMinStringBytes + 2 * 8;
inline constexpr size_t kMinInputBytes = kMinStringBytes + 3 * 8;

}  // namespace ckwrap::checkpoint_format
