#include "store/snapshot_reader.h"

#include <errno.h>
#include <sys/stat.h>

#include <algorithm>
#include <cereal/archives/portable_binary.hpp>
#include <cstring>
#include <istream>
#include <iterator>
#include <stdexcept>
#include <streambuf>
#include <vector>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/done_set_image.h"
#include "store/journal_format.h"
#include "store/payload_buf.h"
#include "store/snapshot_checksum.h"

namespace ckwrap {
namespace {

namespace fmt = checkpoint_format;

// ---- Payload reading, every size prefix bounded by the bytes left. ----

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PayloadReader {
 public:
  PayloadReader(PayloadBuf* buf, cereal::PortableBinaryInputArchive* ar) : buf_(buf), ar_(ar) {}

  template <typename T>
  T Number() {
    T value{};
    (*ar_)(value);
    return value;
  }

  bool Flag(const char* field) {
    uint8_t value = Number<uint8_t>();
    if (value > 1) throw DecodeError(std::string(field) + " flag is not 0 or 1");
    return value == 1;
  }

  // A count of elements each at least min_bytes long, checked before anything
  // is allocated for them.
  uint64_t Count(const char* field, size_t min_bytes) {
    uint64_t count = Number<uint64_t>();
    if (count > buf_->remaining() / min_bytes) throw TooBig(field, count);
    return count;
  }

  std::string String(const char* field) { return std::string(View(field)); }

  // A string's bytes in place: valid while the payload is.
  std::string_view View(const char* field) {
    uint64_t size = Number<uint64_t>();
    if (size > buf_->remaining()) throw TooBig(field, size);
    return buf_->Take(size);
  }

  // The same without the archive (its stream machinery per number dominated
  // loading millions of done ids from a version-2 file).
  std::string_view RawView(const char* field) {
    if (buf_->remaining() < fmt::kStringLengthBytes) {
      throw DecodeError(std::string("truncated ") + field + " length");
    }
    uint64_t size = DecodeFixed64(buf_->Take(fmt::kStringLengthBytes).data());
    if (size > buf_->remaining()) throw TooBig(field, size);
    return buf_->Take(size);
  }

  // The same if its length and bytes need no read of the file: the views of
  // a batch of ids stay valid only until the buffer is refilled.
  bool BufferedRawView(const char* field, std::string_view* id) {
    if (!buf_->Buffered(fmt::kStringLengthBytes)) return false;
    const uint64_t size = DecodeFixed64(buf_->Peek(fmt::kStringLengthBytes).data());
    if (size > buf_->remaining() || !buf_->Buffered(fmt::kStringLengthBytes + size)) return false;
    *id = RawView(field);
    return true;
  }

  uint64_t remaining() const { return buf_->remaining(); }
  // The bytes themselves, for a section read without the archive.
  PayloadBuf* buf() const { return buf_; }
  // Consumes the next byte if it is the section tag; sections are optional.
  bool Section(uint8_t tag, size_t min_bytes = 1) {
    if (remaining() < min_bytes || buf_->sgetc() != tag) return false;
    Number<uint8_t>();
    return true;
  }

 private:
  DecodeError TooBig(const char* field, uint64_t claimed) const {
    return DecodeError(std::string(field) + " size " + std::to_string(claimed) + " exceeds the " +
                       std::to_string(remaining()) + " bytes left");
  }

  PayloadBuf* buf_;
  cereal::PortableBinaryInputArchive* ar_;
};

// The ids a journal of journal_bytes may add to a set whose ids average
// average bytes: its DONES records are 4 bytes and the id each. Their room
// is made on loading, so the table is not rehashed during the replay.
uint64_t JournalIds(uint64_t journal_bytes, uint64_t average) {
  return journal_bytes / (journal_format::kStringLengthBytes + std::max<uint64_t>(average, 1));
}

// Up to version 2: u64 n, n x str id.
void ReadDoneIds(PayloadReader& in, uint64_t journal_bytes, DoneSet* done) {
  uint64_t count = in.Count("done", fmt::kMinStringBytes);
  const uint64_t average = count == 0 ? 0 : in.remaining() / count - fmt::kStringLengthBytes;
  done->reserve(count + JournalIds(journal_bytes, average));
  std::string_view batch[1024];
  for (uint64_t i = 0; i < count;) {
    size_t n = 0;
    while (n < std::size(batch) && i < count && in.BufferedRawView("done id", &batch[n])) ++n, ++i;
    if (n == 0) batch[n++] = in.RawView("done id"), ++i;  // reads the file: alone in its batch
    done->InsertBatch(batch, n, nullptr);
  }
}

void ReadDoneSet(PayloadReader& in, uint32_t version, uint64_t journal_bytes, DoneSet* done) {
  if (version <= fmt::kVersionWithIdList) return ReadDoneIds(in, journal_bytes, done);
  DoneSetImage::Load(
      in.buf(),
      [journal_bytes](uint64_t ids, uint64_t id_bytes) {
        return ids + JournalIds(journal_bytes, ids == 0 ? 0 : id_bytes / ids);
      },
      done);
}

// Version 1 kept a pair per FAIL record, duplicates included: each one more
// FAIL for its id. Version 2 keeps one entry per id with its count.
void ReadFailures(PayloadReader& in, uint32_t version, FailureList* failures) {
  const bool counted = version > fmt::kVersionWithoutFailureCount;
  uint64_t n = in.Count("failures", counted ? fmt::kMinFailureBytes : fmt::kMinPairBytes);
  failures->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    // Copies: the next read may refill the buffer that views point into.
    const std::string id = in.String("failure id");
    const std::string reason = in.String("failure reason");
    if (!counted) {
      failures->Record(id, reason);
      continue;
    }
    uint64_t count = in.Number<uint64_t>();
    if (count == 0) throw DecodeError("failure count 0");
    failures->Set(id, reason, count);
  }
}

void ReadFailuresAndState(PayloadReader& in, uint32_t version, Checkpoint* c) {
  ReadFailures(in, version, &c->failures);
  uint64_t state = in.Count("state", fmt::kMinPairBytes);
  for (uint64_t i = 0; i < state; ++i) {
    std::string key = in.String("state key");
    c->state[std::move(key)] = in.String("state value");
  }
}

void ReadCounters(PayloadReader& in, Checkpoint* c) {
  c->records = in.Number<uint64_t>();
  c->attempts = in.Number<uint64_t>();
  c->restarts = in.Number<uint64_t>();
  c->created_unix_ms = in.Number<int64_t>();
  c->updated_unix_ms = in.Number<int64_t>();
  c->command_fingerprint = in.Number<uint64_t>();
  c->complete = in.Flag("complete");
  c->progress_done = in.Number<uint64_t>();
  c->progress_total = in.Number<uint64_t>();
}

void ReadProgressFile(PayloadReader& in, FileCursor* cursor) {
  // A braced list is evaluated left to right: the fields in file order.
  *cursor = FileCursor{in.Number<uint64_t>(), in.Number<uint64_t>(), in.Number<uint64_t>(),
                       in.Number<uint64_t>()};
  if (!cursor->valid()) throw DecodeError("progress file section with inode 0");
}

// u64 n, then n elements from read_one; n is bounded by min_bytes each first.
template <typename T, typename ReadOne>
void ReadList(PayloadReader& in, const char* field, size_t min_bytes, std::vector<T>* out,
              const ReadOne& read_one) {
  uint64_t n = in.Count(field, min_bytes);
  for (uint64_t i = 0; i < n; ++i) out->push_back(read_one());
}

void ReadOutputs(PayloadReader& in, std::vector<OutputFile>* outputs) {
  ReadList(in, "outputs", fmt::kMinOutputBytes, outputs, [&in] {
    return OutputFile{in.String("output path"), in.Number<uint64_t>(), in.Number<uint64_t>()};
  });
}

void ReadInputs(PayloadReader& in, std::vector<InputFile>* inputs) {
  ReadList(in, "inputs", fmt::kMinInputBytes, inputs, [&in] {
    return InputFile{in.String("input path"), in.Number<uint64_t>(), in.Number<int64_t>(),
                     in.Number<uint64_t>()};
  });
}

// The order here and in snapshot_writer.cc is the format.
void ReadPayload(PayloadReader& in, uint32_t version, uint64_t journal_bytes, Checkpoint* c) {
  c->has_position = in.Flag("has_position");
  c->position = in.String("position");
  ReadDoneSet(in, version, journal_bytes, &c->done);
  ReadFailuresAndState(in, version, c);
  ReadCounters(in, c);
  // Anything else after the fixed fields is reported as trailing bytes.
  if (in.Section(fmt::kSectionProgressFile, fmt::kProgressFileSectionBytes)) {
    ReadProgressFile(in, &c->progress_file);
  }
  if (in.Section(fmt::kSectionOutputs)) ReadOutputs(in, &c->outputs);
  if (in.Section(fmt::kSectionInputs)) ReadInputs(in, &c->inputs);
  if (in.Section(fmt::kSectionKeepDone)) c->keep_done = true;
  if (in.Section(fmt::kSectionCommand)) {
    ReadList(in, "command", fmt::kMinStringBytes, &c->command,
             [&in] { return in.String("command argument"); });
  }
  if (in.Section(fmt::kSectionWriter)) {
    c->writer.host = in.String("writer host");
    c->writer.pid = in.Number<uint64_t>();
  }
}

Status CheckVersion(std::string_view bytes) {
  uint64_t version = DecodeFixed32(&bytes[fmt::kVersionOffset]);
  if (version > fmt::kVersion) {
    return Status::Corruption("checkpoint format version " + std::to_string(version) +
                              " is newer than this ckwrap supports (" +
                              std::to_string(fmt::kVersion) + ")");
  }
  if (version == 0) return Status::Corruption("bad checkpoint format version 0");
  return Status::Ok();
}

Status CheckLength(std::string_view header, uint64_t file_bytes) {
  uint64_t length = DecodeFixed64(&header[fmt::kLengthOffset]);
  if (length > fmt::kMaxPayloadBytes) {
    return Status::Corruption("payload length " + std::to_string(length) + " exceeds the limit (" +
                              std::to_string(fmt::kMaxPayloadBytes) + " bytes)");
  }
  if (length != file_bytes - fmt::kHeaderBytes) {
    return Status::Corruption("payload length " + std::to_string(length) +
                              " does not match file (" + std::to_string(file_bytes) + " bytes)");
  }
  return Status::Ok();
}

// The header fields but the checksum, of a file of file_bytes, checked in an
// order where each check can trust the previous ones (man/ckwrap-checkpoint.5,
// VERIFICATION). header: the file's first min(file_bytes, kHeaderBytes) bytes.
Status CheckHeaderFields(std::string_view header, uint64_t file_bytes) {
  if (file_bytes < fmt::kHeaderBytes) {
    return Status::Corruption("truncated header (" + std::to_string(file_bytes) + " of " +
                              std::to_string(fmt::kHeaderBytes) + " bytes)");
  }
  if (std::memcmp(&header[fmt::kMagicOffset], fmt::kMagic, sizeof fmt::kMagic) != 0) {
    return Status::Corruption("bad magic");
  }
  Status status = CheckVersion(header);
  if (!status.ok()) return status;
  if (DecodeFixed32(&header[fmt::kReservedOffset]) != 0) {
    return Status::Corruption("reserved field is not zero");
  }
  return CheckLength(header, file_bytes);
}

Status CheckChecksum(std::string_view header, uint64_t computed) {
  if (DecodeFixed64(&header[fmt::kChecksumOffset]) != computed) {
    return Status::Corruption("checksum mismatch");
  }
  return Status::Ok();
}

// Runs cereal over a verified payload. Throws (cereal::Exception, DecodeError,
// PayloadReadFailed).
Status DecodePayload(PayloadBuf* buf, uint32_t version, uint64_t journal_bytes, Checkpoint* out) {
  // cereal's first byte says the byte order it was written in; we only write little-endian.
  if (buf->remaining() == 0 || buf->sgetc() != fmt::kLittleEndianMark) {
    return Status::Corruption("payload is not little-endian");
  }
  std::istream stream(buf);
  cereal::PortableBinaryInputArchive archive(stream);
  PayloadReader reader(buf, &archive);
  ReadPayload(reader, version, journal_bytes, out);
  if (reader.remaining() != 0) {
    return Status::Corruption(std::to_string(reader.remaining()) + " trailing bytes after payload");
  }
  return Status::Ok();
}

// decode(&checkpoint) with every exception turned into a status; *out
// changes only on success.
template <typename Decode>
Status Guarded(Checkpoint* out, const Decode& decode) {
  try {  // cereal's exceptions, and bad_alloc from anywhere, stop here
    Checkpoint decoded;
    Status status = decode(&decoded);
    if (status.ok()) *out = std::move(decoded);
    return status;
  } catch (const PayloadReadFailed& failed) {
    return failed.status;
  } catch (const std::bad_alloc&) {
    // Says nothing about the file: not Corruption, which would try an older
    // generation and set this one aside as rejected.
    return Status::Error("out of memory decoding the checkpoint");
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("malformed payload: ") + e.what());
  }
}

// DecodePayload with what it finds wrong as a status (its bytes may have
// changed since they were verified); out of memory and read errors still throw.
Status DecodeSecondRead(PayloadBuf* buf, uint32_t version, uint64_t journal_bytes,
                        Checkpoint* out) {
  try {
    return DecodePayload(buf, version, journal_bytes, out);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {  // cereal's and DecodeError; not PayloadReadFailed
    return Status::Corruption(std::string("malformed payload: ") + e.what());
  }
}

// The payload of an open file hashed, a piece at a time.
uint64_t HashPayload(PayloadFile file, std::string_view header) {
  SnapshotHash hash(header);
  file.hash = &hash;
  PayloadBuf(&file).SkipRest();
  return hash.Digest();
}

}  // namespace

Status DecodeCheckpoint(std::string_view bytes, Checkpoint* out, uint64_t journal_bytes) {
  return Guarded(out, [&](Checkpoint* decoded) {
    Status status = CheckHeaderFields(bytes, bytes.size());
    if (!status.ok()) return status;
    const std::string_view payload = bytes.substr(fmt::kHeaderBytes);
    status = CheckChecksum(bytes, SnapshotChecksum(bytes, payload));
    if (!status.ok()) return status;
    PayloadBuf buf(payload);
    return DecodePayload(&buf, DecodeFixed32(&bytes[fmt::kVersionOffset]), journal_bytes, decoded);
  });
}

Status ReadCheckpointFile(int fd, const std::string& path, Checkpoint* out, uint64_t journal_bytes,
                          uint64_t* file_bytes) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno("stat", path, errno);
  *file_bytes = static_cast<uint64_t>(st.st_size);
  if (*file_bytes > fmt::kMaxFileBytes) {
    return Status::Error("read " + path + ": file is larger than the limit of " +
                         std::to_string(fmt::kMaxFileBytes) + " bytes");
  }
  return Guarded(out, [&](Checkpoint* decoded) {
    char header[fmt::kHeaderBytes];
    const size_t got =
        PreadSome(fd, 0, header, std::min<uint64_t>(*file_bytes, sizeof header), path);
    const std::string_view head(header, got);
    if (got < std::min<uint64_t>(*file_bytes, sizeof header)) return FileGotShorter(path);
    Status status = CheckHeaderFields(head, *file_bytes);
    if (!status.ok()) return status;
    // Verified first, as a file in memory is, then decoded from a second read
    // that is hashed too: bytes that changed in between are not trusted.
    PayloadFile file{fd, path, fmt::kHeaderBytes, *file_bytes - fmt::kHeaderBytes, nullptr};
    status = CheckChecksum(head, HashPayload(file, head));
    if (!status.ok()) return status;
    SnapshotHash again(head);
    file.hash = &again;
    PayloadBuf buf(&file);
    status =
        DecodeSecondRead(&buf, DecodeFixed32(&header[fmt::kVersionOffset]), journal_bytes, decoded);
    // What the second read found says nothing if its bytes were not the
    // verified ones (read to the end, so the hash covers them all).
    buf.SkipRest();
    if (CheckChecksum(head, again.Digest()).IsCorruption()) {
      return Status::IoError("read " + path + ": the file changed while it was read");
    }
    return status;
  });
}

}  // namespace ckwrap
