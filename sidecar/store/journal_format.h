// The journal file format, shared by the writer (journal_writer.cc) and the
// verifying reader (journal_reader.cc). The grammar is in man/ckwrap-checkpoint.5.
//
// journal.<generation> holds the records that happened after the snapshot
// checkpoint.<generation> was taken. It is a sequence of framed records:
//
//   offset size  field
//   0      8     XXH3-64 of bytes [8, 13 + n), u64 little-endian
//   8      4     payload length n, u32 little-endian (<= kMaxPayloadBytes)
//   12     1     record type
//   13     n     payload
//
// The first record is a HEADER; then each commit appends its DONE, FAIL and
// STATE records followed by one COMMIT record carrying the scalar fields. A
// reader applies a commit's records only once its COMMIT record verifies, so
// every commit is all or nothing. Payloads (u32/u64/i64 little-endian):
//   HEADER  magic "CKWRAPJL", u32 version, u64 generation
//   DONE    the id's bytes
//   DONES   n x (u32 id length, id): several ids in one record (a
//           writer's choice; half the bytes and checksums of DONE records)
//   FAIL    u32 id length, id, reason (the rest)
//   STATE   u32 key length, key, value (the rest)
//   PROGRESS_FILE  u64 device, u64 inode, u64 offset, u64 head hash
//   COMMIT  u64 records, u64 attempts, u64 restarts, i64 updated_unix_ms,
//           u64 progress_done, u64 progress_total, u8 complete (0|1),
//           u8 has_position (0|1), position (the rest)
#pragma once

#include <cstddef>
#include <cstdint>

namespace ckwrap::journal_format {

inline constexpr size_t kRecordHeaderBytes = 13;
inline constexpr size_t kLengthOffset = 8;
inline constexpr size_t kTypeOffset = 12;
inline constexpr uint32_t kMaxPayloadBytes = uint32_t{1} << 30;  // 1 GiB
inline constexpr char kMagic[8] = {'C', 'K', 'W', 'R', 'A', 'P', 'J', 'L'};
// 2 since DONES records: an older ckwrap then says which version it found,
// rather than "unknown record type 8". Version 1 journals are still read.
inline constexpr uint32_t kVersion = 2;
inline constexpr size_t kHeaderPayloadBytes = 8 + 4 + 8;
inline constexpr size_t kCommitFixedBytes = 6 * 8 + 2;

enum class RecordType : uint8_t {
  kHeader = 1,
  kDone = 2,
  kFail = 3,
  kState = 4,
  kCommit = 5,
  kProgressFile = 6,
  kOutputs = 7,
  kDones = 8,
};
// A writer starts a new DONES record once one holds this much payload.
inline constexpr size_t kDonesPayloadTarget = 64 * 1024;
// OUTPUTS (before a COMMIT, taking effect with it): the whole declared-output
// list, u64 n, then n x (u64 path length, path, u64 size, u64 tail hash).
// PROGRESS_FILE (before a COMMIT, taking effect with it): u64 device, u64
// inode, u64 offset, u64 head hash of the --progress-file cursor.
inline constexpr size_t kProgressFilePayloadBytes = 4 * 8;

}  // namespace ckwrap::journal_format
