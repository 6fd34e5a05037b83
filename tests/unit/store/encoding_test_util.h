// Bytes for tests to feed the readers: a whole snapshot as the store writes
// it, and journal records framed by hand, including the DONE records (type 2)
// that only earlier releases wrote. No doctest here: the fuzz targets use it.
#pragma once

#include <xxhash.h>

#include <string>
#include <string_view>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/journal_format.h"
#include "store/snapshot_checksum.h"
#include "store/snapshot_writer.h"

namespace ckwrap::testing {

// The snapshot file's bytes, from the writer CheckpointStore::Commit uses.
inline std::string SnapshotBytes(const Checkpoint& checkpoint, const DoneSet& done,
                                 const WriterId& who = {}) {
  SnapshotWriter writer(checkpoint, done, who);
  std::string bytes;
  bytes.reserve(writer.size());
  std::string header;
  (void)writer.Emit(
      [&bytes](std::string_view piece) {  // appending cannot fail
        bytes.append(piece);
        return Status::Ok();
      },
      &header);
  return bytes.replace(0, header.size(), header);
}

inline std::string SnapshotBytes(const Checkpoint& checkpoint) {
  return SnapshotBytes(checkpoint, checkpoint.done);
}

// A snapshot file edited in place (at least a header long) sealed again: its
// payload length and checksum made right, so the payload reaches the decoder.
inline std::string Reseal(std::string file) {
  namespace fmt = checkpoint_format;
  EncodeFixed64(&file[fmt::kLengthOffset], file.size() - fmt::kHeaderBytes);
  const std::string_view bytes(file);
  EncodeFixed64(&file[fmt::kChecksumOffset], SnapshotChecksum(bytes.substr(0, fmt::kChecksumOffset),
                                                              bytes.substr(fmt::kHeaderBytes)));
  return file;
}

// One record framed the way the writer does, with any payload.
inline std::string JournalRecord(journal_format::RecordType type, std::string_view payload) {
  namespace fmt = journal_format;
  std::string record(fmt::kRecordHeaderBytes, '\0');
  EncodeFixed32(&record[fmt::kLengthOffset], static_cast<uint32_t>(payload.size()));
  record[fmt::kTypeOffset] = static_cast<char>(type);
  record.append(payload);
  uint64_t sum =
      XXH3_64bits(record.data() + fmt::kLengthOffset, record.size() - fmt::kLengthOffset);
  EncodeFixed64(&record[fmt::kChecksumOffset], sum);
  return record;
}

// A DONE record of one id, as releases before DONES records wrote them.
inline void AppendDoneRecord(std::string* out, std::string_view id) {
  *out += JournalRecord(journal_format::RecordType::kDone, id);
}

}  // namespace ckwrap::testing
