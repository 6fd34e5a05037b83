// The journal file format, shared by the writer (journal_writer.cc) and the
// verifying reader (journal_reader.cc); the grammar is in
// man/ckwrap-checkpoint.5, JOURNAL. Every number is little-endian (coding.h).
//
// journal.<generation> (filenames.h) holds the records that happened after the
// snapshot checkpoint.<generation> was taken. It is a sequence of framed records:
//
//   offset size  field
//   0      8     XXH3-64 of bytes [8, 13 + n), u64
//   8      4     payload length n, u32 (<= kMaxPayloadBytes)
//   12     1     record type
//   13     n     payload
//
// The first record is a HEADER; then each commit appends its DONES (or DONE),
// FAIL_COUNT (or FAIL) and STATE records, then PROGRESS_FILE and OUTPUTS if the job has them,
// followed by one COMMIT record carrying the scalar fields. A reader applies a
// commit's records only once its COMMIT record verifies, so every commit is
// all or nothing. Payloads (u32/u64/i64):
//   HEADER  magic "CKWRAPJL", u32 version, u64 generation
//   DONE    the id's bytes (earlier releases; still read, no longer written)
//   DONES   n x (u32 id length, id): several ids in one record (half the
//           bytes and checksums of DONE records)
//   FAIL    u32 id length, id, reason (the rest): one more FAIL for id
//           (earlier releases; still read, no longer written)
//   FAIL_COUNT  u32 id length, id, u64 count, reason (the rest): id's whole
//           entry in the FAIL list (one per id, with its count)
//   STATE   u32 key length, key, value (the rest)
//   PROGRESS_FILE  u64 device, u64 inode, u64 offset, u64 head hash
//   OUTPUTS u64 n, n x (u64 path length, path, u64 size, u64 tail hash)
//   COMMIT  u64 records, u64 attempts, u64 restarts, i64 updated_unix_ms,
//           u64 progress_done, u64 progress_total, u8 complete (0|1),
//           u8 has_position (0|1), position (the rest)
#pragma once

#include <cstddef>
#include <cstdint>

namespace ckwrap::journal_format {

// ---- The frame around every record. ----
inline constexpr size_t kChecksumOffset = 0;  // covers [kLengthOffset, end of payload)
inline constexpr size_t kLengthOffset = 8;    // u32
inline constexpr size_t kTypeOffset = 12;     // u8
inline constexpr size_t kRecordHeaderBytes = 13;
inline constexpr uint32_t kMaxPayloadBytes = uint32_t{1} << 30;  // 1 GiB

enum class RecordType : uint8_t {
  kHeader = 1,
  kDone = 2,
  kFail = 3,
  kState = 4,
  kCommit = 5,
  kProgressFile = 6,
  kOutputs = 7,
  kDones = 8,
  kFailCount = 9,
};

// ---- HEADER payload. ----
inline constexpr char kMagic[8] = {'C', 'K', 'W', 'R', 'A', 'P', 'J', 'L'};
// 2 since DONES records, 3 since FAIL_COUNT records: an older ckwrap then
// says which version it found, rather than "unknown record type".
// Versions 1 and 2 are still read.
inline constexpr uint32_t kVersion = 3;
inline constexpr size_t kHeaderMagicOffset = 0;
inline constexpr size_t kHeaderVersionOffset = 8;      // u32
inline constexpr size_t kHeaderGenerationOffset = 12;  // u64
inline constexpr size_t kHeaderPayloadBytes = 20;

// ---- DONES, FAIL and STATE payloads: u32 length-prefixed strings. ----
inline constexpr size_t kStringLengthBytes = 4;
inline constexpr size_t kFailCountBytes = 8;  // the u64 after a FAIL_COUNT id
// A writer starts a new DONES record once one holds this much payload.
inline constexpr size_t kDonesPayloadTarget = 64 * 1024;

// ---- PROGRESS_FILE payload: the --progress-file cursor. ----
inline constexpr size_t kProgressDeviceOffset = 0;
inline constexpr size_t kProgressInodeOffset = 8;  // never 0
inline constexpr size_t kProgressOffsetOffset = 16;
inline constexpr size_t kProgressHeadHashOffset = 24;
inline constexpr size_t kProgressFilePayloadBytes = 32;

// ---- OUTPUTS payload: the whole declared-output list. ----
inline constexpr size_t kOutputsCountBytes = 8;      // u64 n
inline constexpr size_t kOutputPathLengthBytes = 8;  // u64, then the path
inline constexpr size_t kOutputFixedBytes = 16;      // u64 size, u64 tail hash after the path

// ---- COMMIT payload: fixed fields, then the position. ----
inline constexpr size_t kCommitRecordsOffset = 0;
inline constexpr size_t kCommitAttemptsOffset = 8;
inline constexpr size_t kCommitRestartsOffset = 16;
inline constexpr size_t kCommitUpdatedUnixMsOffset = 24;  // i64
inline constexpr size_t kCommitProgressDoneOffset = 32;
inline constexpr size_t kCommitProgressTotalOffset = 40;
inline constexpr size_t kCommitCompleteOffset = 48;     // u8 0|1
inline constexpr size_t kCommitHasPositionOffset = 49;  // u8 0|1
inline constexpr size_t kCommitPositionOffset = 50;     // the rest of the payload
inline constexpr size_t kCommitFixedBytes = kCommitPositionOffset;

}  // namespace ckwrap::journal_format
