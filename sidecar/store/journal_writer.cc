#include "store/journal_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <xxhash.h>

#include <cstdio>

#include "store/durable_file.h"
#include "store/file_ops.h"
#include "store/journal_format.h"

namespace ckwrap {
namespace {

namespace fmt = journal_format;

void PutLe(std::string* out, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) out->push_back(static_cast<char>(value >> (8 * i)));
}

// Frames the payload pieces in place: no intermediate copy of the payload.
template <typename... Pieces>
void AppendRecord(std::string* out, fmt::RecordType type, const Pieces&... pieces) {
  const size_t start = out->size();
  size_t length = (size_t{0} + ... + std::string_view(pieces).size());
  out->append(8, '\0');  // checksum, filled in below
  PutLe(out, length, 4);
  out->push_back(static_cast<char>(type));
  (out->append(std::string_view(pieces)), ...);
  uint64_t digest = XXH3_64bits(out->data() + start + fmt::kLengthOffset,
                                out->size() - start - fmt::kLengthOffset);
  for (size_t i = 0; i < 8; ++i) (*out)[start + i] = static_cast<char>(digest >> (8 * i));
}

std::string Le(uint64_t value, size_t width) {
  std::string s;
  PutLe(&s, value, width);
  return s;
}

}  // namespace

void AppendJournalHeader(std::string* out, uint64_t generation) {
  AppendRecord(out, fmt::RecordType::kHeader, std::string_view(fmt::kMagic, sizeof fmt::kMagic),
               Le(fmt::kVersion, 4), Le(generation, 8));
}

void AppendJournalDone(std::string* out, std::string_view id) {
  AppendRecord(out, fmt::RecordType::kDone, id);
}

void AppendJournalDones(std::string* out, const std::vector<std::string_view>& ids) {
  size_t start = 0;  // of the open record
  auto close = [&] {
    const size_t length = out->size() - start - fmt::kRecordHeaderBytes;
    for (size_t i = 0; i < 4; ++i) {
      (*out)[start + fmt::kLengthOffset + i] = static_cast<char>(length >> (8 * i));
    }
    uint64_t digest = XXH3_64bits(out->data() + start + fmt::kLengthOffset,
                                  out->size() - start - fmt::kLengthOffset);
    for (size_t i = 0; i < 8; ++i) (*out)[start + i] = static_cast<char>(digest >> (8 * i));
  };
  bool open = false;
  for (std::string_view id : ids) {
    if (open &&
        out->size() - start - fmt::kRecordHeaderBytes + 4 + id.size() > fmt::kDonesPayloadTarget) {
      close();
      open = false;
    }
    if (!open) {
      start = out->size();
      out->append(fmt::kRecordHeaderBytes, '\0');  // checksum and length, filled in by close
      (*out)[start + fmt::kTypeOffset] = static_cast<char>(fmt::RecordType::kDones);
      open = true;
    }
    PutLe(out, id.size(), 4);
    out->append(id);
  }
  if (open) close();
}

void AppendJournalFail(std::string* out, std::string_view id, std::string_view reason) {
  AppendRecord(out, fmt::RecordType::kFail, Le(id.size(), 4), id, reason);
}

void AppendJournalState(std::string* out, std::string_view key, std::string_view value) {
  AppendRecord(out, fmt::RecordType::kState, Le(key.size(), 4), key, value);
}

void AppendJournalCommit(std::string* out, const Checkpoint& c) {
  if (c.progress_file.valid()) {
    // The file cursor moves with the records read from the file: same commit.
    std::string cursor;
    for (uint64_t v : {c.progress_file.dev, c.progress_file.ino, c.progress_file.offset,
                       c.progress_file.head_hash}) {
      PutLe(&cursor, v, 8);
    }
    AppendRecord(out, fmt::RecordType::kProgressFile, cursor);
  }
  if (!c.outputs.empty()) {
    // The output sizes belong to the records of this commit: same commit.
    std::string outputs;
    PutLe(&outputs, c.outputs.size(), 8);
    for (const OutputFile& f : c.outputs) {
      PutLe(&outputs, f.path.size(), 8);
      outputs.append(f.path);
      PutLe(&outputs, f.size, 8);
      PutLe(&outputs, f.tail_hash, 8);
    }
    AppendRecord(out, fmt::RecordType::kOutputs, outputs);
  }
  std::string fixed;
  PutLe(&fixed, c.records, 8);
  PutLe(&fixed, c.attempts, 8);
  PutLe(&fixed, c.restarts, 8);
  PutLe(&fixed, static_cast<uint64_t>(c.updated_unix_ms), 8);
  PutLe(&fixed, c.progress_done, 8);
  PutLe(&fixed, c.progress_total, 8);
  fixed.push_back(c.complete ? 1 : 0);
  fixed.push_back(c.has_position ? 1 : 0);
  AppendRecord(out, fmt::RecordType::kCommit, fixed, c.position);
}

std::string JournalFileName(uint64_t generation) {
  char digits[21];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(generation));
  return "journal." + std::string(digits);
}

JournalWriter::~JournalWriter() { (void)Close(); }

Status JournalWriter::Create(const std::string& dir, uint64_t generation) {
  Status status = Close();
  if (!status.ok()) return status;
  path_ = dir + "/" + JournalFileName(generation);
  int fd = file_ops().Open(path_.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    // Left by a crash between a snapshot's unlink and its journal's: no snapshot
    // refers to it any more, so its content is not ours to keep.
    fd = file_ops().Open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0 && file_ops().Ftruncate(fd, 0) != 0) {
      int err = errno;
      file_ops().Close(fd);
      return Status::FromErrno("truncate", path_, err);
    }
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

Status TruncateJournal(const std::string& path, uint64_t valid_bytes) {
  int fd = file_ops().Open(path.c_str(), O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno("open", path, errno);
  Status status;
  if (file_ops().Ftruncate(fd, static_cast<off_t>(valid_bytes)) != 0) {
    status = Status::FromErrno("truncate", path, errno);
  } else if (file_ops().Fdatasync(fd) != 0) {
    status = Status::FromErrno("fdatasync", path, errno);
  }
  if (file_ops().Close(fd) != 0 && status.ok()) status = Status::FromErrno("close", path, errno);
  return status;  // fdatasync covers the size: no directory entry changed
}

}  // namespace ckwrap
