// Writing the journal: encoding records into a batch in memory, and appending
// a batch to journal.<generation> durably. Format: journal_format.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/checkpoint.h"
#include "store/directory.h"

namespace ckwrap {

// Each appends one framed record to *out; O(size of the record).
void AppendJournalHeader(std::string* out, uint64_t generation);
// The ids in as few DONES records as fit kDonesPayloadTarget (one id longer
// than that gets a record of its own). DONE records (one id each) are read
// but no longer written.
void AppendJournalDones(std::string* out, const std::vector<std::string_view>& ids);
// id's whole FAIL-list entry (a FAIL_COUNT record).
void AppendJournalFail(std::string* out, const Failure& failure);
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

  // Creates dir/journal.<generation> (O_EXCL|O_NOFOLLOW, relative to dir's
  // descriptor), writes its HEADER, fdatasyncs it and fsyncs the directory.
  // An existing file of that name is an error naming it, never opened: the
  // generation is past every file the last listing saw, so whatever is there
  // was put there since, by someone else (a symlink or a hard link to a
  // victim). The caller's next commit is then a snapshot of a new generation.
  Status Create(const Directory& dir, uint64_t generation);
  // Appends bytes (whole records) with O_APPEND; if sync, fdatasyncs them.
  // After a failure the segment is unusable: the caller starts a new generation.
  Status Append(std::string_view bytes, bool sync);
  Status Close();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }             // -1 if not open
  uint64_t bytes() const { return bytes_; }  // size of the open segment; 0 if none

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
};

// Cuts dir/name back to its first valid_bytes (a torn tail found on load) and
// fdatasyncs it; for the lock holder only. Never through a symlink, and only a
// regular file owned by us with no other link: the one file ckwrap truncates
// that this run did not create is one it can tell is its own.
Status TruncateJournal(const Directory& dir, const std::string& name, uint64_t valid_bytes);

}  // namespace ckwrap
