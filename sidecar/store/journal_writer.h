// Writing the journal: encoding records into a batch in memory, and appending
// a batch to journal.<generation> durably. Format: journal_format.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/checkpoint.h"

namespace ckwrap {

// Each appends one framed record to *out; O(size of the record).
void AppendJournalHeader(std::string* out, uint64_t generation);
// The ids in as few DONES records as fit kDonesPayloadTarget (one id longer
// than that gets a record of its own). DONE records (one id each) are read
// but no longer written.
void AppendJournalDones(std::string* out, const std::vector<std::string_view>& ids);
void AppendJournalFail(std::string* out, std::string_view id, std::string_view reason);
void AppendJournalState(std::string* out, std::string_view key, std::string_view value);
// The batch terminator: the scalar fields of the checkpoint (position, counters,
// progress, completion). Records before it take effect only with it.
void AppendJournalCommit(std::string* out, const Checkpoint& checkpoint);

// One open journal segment. All syscalls go through file_ops().
class JournalWriter {
 public:
  JournalWriter() = default;
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Creates dir/journal.<generation> (O_EXCL; an existing file of that name is
  // truncated to nothing first: it belongs to no snapshot we wrote), writes its
  // HEADER, fdatasyncs it and fsyncs the directory.
  Status Create(const std::string& dir, uint64_t generation);
  // Appends bytes (whole records) with O_APPEND; if sync, fdatasyncs them.
  // After a failure the segment is unusable: the caller starts a new generation.
  Status Append(std::string_view bytes, bool sync);
  Status Close();
  bool is_open() const { return fd_ >= 0; }
  uint64_t bytes() const { return bytes_; }  // size of the open segment; 0 if none

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
};

// Cuts a journal back to its first valid_bytes (a torn tail found on load) and
// fdatasyncs it; for the lock holder only.
Status TruncateJournal(const std::string& path, uint64_t valid_bytes);

}  // namespace ckwrap
