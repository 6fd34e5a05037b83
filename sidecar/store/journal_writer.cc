#include "store/journal_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "store/coding.h"
#include "store/durable_file.h"
#include "store/file_ops.h"
#include "store/filenames.h"
#include "store/journal_format.h"

namespace ckwrap {
namespace {

namespace fmt = journal_format;

// Fills in the length and checksum of the record from start to the end of
// *out: the checksum covers the length, type and payload, so it comes last.
void SealRecord(std::string* out, size_t start) {
  char* record = out->data() + start;
  const size_t length = out->size() - start - fmt::kRecordHeaderBytes;
  EncodeFixed32(record + fmt::kLengthOffset, static_cast<uint32_t>(length));
  uint64_t digest =
      XXH3_64bits(record + fmt::kLengthOffset, out->size() - start - fmt::kLengthOffset);
  EncodeFixed64(record + fmt::kChecksumOffset, digest);
}

// Appends a record header of type whose length and checksum SealRecord fills in.
size_t OpenRecord(std::string* out, fmt::RecordType type) {
  const size_t start = out->size();
  out->append(fmt::kRecordHeaderBytes, '\0');
  (*out)[start + fmt::kTypeOffset] = static_cast<char>(type);
  return start;
}

// Frames the payload pieces in place: no intermediate copy of the payload.
template <typename... Pieces>
void AppendRecord(std::string* out, fmt::RecordType type, const Pieces&... pieces) {
  const size_t start = OpenRecord(out, type);
  (out->append(std::string_view(pieces)), ...);
  SealRecord(out, start);
}

// A u32 length prefix as a piece for AppendRecord (short: no allocation).
std::string LengthPrefix(size_t length) {
  std::string prefix;
  PutFixed32(&prefix, static_cast<uint32_t>(length));
  return prefix;
}

std::string ProgressFilePayload(const FileCursor& cursor) {
  std::string payload;  // in the order of the kProgress*Offset fields
  for (uint64_t field : {cursor.dev, cursor.ino, cursor.offset, cursor.head_hash}) {
    PutFixed64(&payload, field);
  }
  return payload;
}

std::string OutputsPayload(const std::vector<OutputFile>& outputs) {
  std::string payload;
  PutFixed64(&payload, outputs.size());
  for (const OutputFile& f : outputs) {
    PutFixed64(&payload, f.path.size());
    payload.append(f.path);
    PutFixed64(&payload, f.size);
    PutFixed64(&payload, f.tail_hash);
  }
  return payload;
}

std::string CommitFixedFields(const Checkpoint& c) {
  std::string fixed(fmt::kCommitFixedBytes, '\0');
  EncodeFixed64(&fixed[fmt::kCommitRecordsOffset], c.records);
  EncodeFixed64(&fixed[fmt::kCommitAttemptsOffset], c.attempts);
  EncodeFixed64(&fixed[fmt::kCommitRestartsOffset], c.restarts);
  EncodeFixed64(&fixed[fmt::kCommitUpdatedUnixMsOffset], static_cast<uint64_t>(c.updated_unix_ms));
  EncodeFixed64(&fixed[fmt::kCommitProgressDoneOffset], c.progress_done);
  EncodeFixed64(&fixed[fmt::kCommitProgressTotalOffset], c.progress_total);
  fixed[fmt::kCommitCompleteOffset] = c.complete ? 1 : 0;
  fixed[fmt::kCommitHasPositionOffset] = c.has_position ? 1 : 0;
  return fixed;
}

}  // namespace

void AppendJournalHeader(std::string* out, uint64_t generation) {
  std::string payload(fmt::kHeaderPayloadBytes, '\0');
  std::copy(std::begin(fmt::kMagic), std::end(fmt::kMagic), &payload[fmt::kHeaderMagicOffset]);
  EncodeFixed32(&payload[fmt::kHeaderVersionOffset], fmt::kVersion);
  EncodeFixed64(&payload[fmt::kHeaderGenerationOffset], generation);
  AppendRecord(out, fmt::RecordType::kHeader, payload);
}

void AppendJournalDones(std::string* out, const std::vector<std::string_view>& ids) {
  // Each record is sized first and written through a pointer: a flood of DONE
  // lines spends its time here, and an append per field grew the buffer piece
  // by piece.
  for (size_t i = 0; i < ids.size();) {
    size_t payload = fmt::kStringLengthBytes + ids[i].size();
    size_t end = i + 1;
    while (end < ids.size() &&
           payload + fmt::kStringLengthBytes + ids[end].size() <= fmt::kDonesPayloadTarget) {
      payload += fmt::kStringLengthBytes + ids[end++].size();
    }
    const size_t start = OpenRecord(out, fmt::RecordType::kDones);
    out->resize(out->size() + payload);
    char* at = out->data() + start + fmt::kRecordHeaderBytes;
    for (; i < end; ++i) {
      EncodeFixed32(at, static_cast<uint32_t>(ids[i].size()));
      std::memcpy(at + fmt::kStringLengthBytes, ids[i].data(), ids[i].size());
      at += fmt::kStringLengthBytes + ids[i].size();
    }
    SealRecord(out, start);
  }
}

void AppendJournalFail(std::string* out, const Failure& failure) {
  std::string count;
  PutFixed64(&count, failure.count);
  AppendRecord(out, fmt::RecordType::kFailCount, LengthPrefix(failure.id.size()), failure.id, count,
               failure.reason);
}

void AppendJournalState(std::string* out, std::string_view key, std::string_view value) {
  AppendRecord(out, fmt::RecordType::kState, LengthPrefix(key.size()), key, value);
}

void AppendJournalCommit(std::string* out, const Checkpoint& c) {
  // The file cursor moves with the records read from the file: same commit.
  if (c.progress_file.valid()) {
    AppendRecord(out, fmt::RecordType::kProgressFile, ProgressFilePayload(c.progress_file));
  }
  // The output sizes belong to the records of this commit: same commit.
  if (!c.outputs.empty()) AppendRecord(out, fmt::RecordType::kOutputs, OutputsPayload(c.outputs));
  AppendRecord(out, fmt::RecordType::kCommit, CommitFixedFields(c), c.position);
}

JournalWriter::~JournalWriter() { (void)Close(); }

Status JournalWriter::Create(const Directory& dir, uint64_t generation) {
  Status status = Close();
  if (!status.ok()) return status;
  const std::string name = JournalFileName(generation);
  path_ = dir.PathOf(name);
  int fd = file_ops().Open(dir.fd(), name.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    return Status::Error("journal " + path_ +
                         " exists already, though no snapshot of ours refers to it; not opened "
                         "(someone else put it there: examine it, then remove it)");
  }
  if (fd < 0) return Status::FromErrno("create", path_, errno);
  fd_ = fd;
  bytes_ = 0;
  std::string header;
  AppendJournalHeader(&header, generation);
  status = Append(header, true);
  if (status.ok()) status = FsyncDir(dir);
  if (!status.ok()) (void)Close();
  return status;
}

Status JournalWriter::Append(std::string_view bytes, bool sync) {
  if (fd_ < 0) return Status::Error("journal " + path_ + " is not open");
  Status status = WriteAll(fd_, bytes, path_);
  if (!status.ok()) return status;
  bytes_ += bytes.size();
  if (sync && file_ops().Fdatasync(fd_) != 0) return Status::FromErrno("fdatasync", path_, errno);
  return Status::Ok();
}

Status JournalWriter::Close() {
  if (fd_ < 0) return Status::Ok();
  int fd = fd_;
  fd_ = -1;
  bytes_ = 0;
  if (file_ops().Close(fd) != 0) return Status::FromErrno("close", path_, errno);
  return Status::Ok();
}

namespace {

Status CheckOwnJournal(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::FromErrno("stat", path, errno);
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || st.st_nlink != 1) {
    return Status::Error("not truncating journal " + path +
                         ": not a regular file of ours with a single link");
  }
  return Status::Ok();
}

}  // namespace

Status TruncateJournal(const Directory& dir, const std::string& name, uint64_t valid_bytes) {
  const std::string path = dir.PathOf(name);
  // O_NONBLOCK: a FIFO at the name must not block the open (CheckOwnJournal refuses it).
  int fd =
      file_ops().Open(dir.fd(), name.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("open", path, errno);
  Status status = CheckOwnJournal(fd, path);
  if (status.ok() && file_ops().Ftruncate(fd, static_cast<off_t>(valid_bytes)) != 0) {
    status = Status::FromErrno("truncate", path, errno);
  } else if (status.ok() && file_ops().Fdatasync(fd) != 0) {
    status = Status::FromErrno("fdatasync", path, errno);
  }
  if (file_ops().Close(fd) != 0 && status.ok()) status = Status::FromErrno("close", path, errno);
  return status;  // fdatasync covers the size: no directory entry changed
}

}  // namespace ckwrap
