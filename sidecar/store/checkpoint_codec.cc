#include "store/checkpoint_codec.h"

#include <xxhash.h>

#include <cereal/archives/portable_binary.hpp>
#include <cstring>
#include <istream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <streambuf>

#include "store/checkpoint_format.h"

namespace ckwrap {
namespace {

namespace fmt = checkpoint_format;

constexpr size_t kVersionOffset = 8;
constexpr size_t kReservedOffset = 12;
constexpr size_t kLengthOffset = 16;
// Smallest encoding of one element, used to bound a count by the bytes left.
constexpr size_t kMinStringBytes = 8;  // a u64 length and no bytes
constexpr size_t kMinPairBytes = 2 * kMinStringBytes;
// Tags of the optional payload sections.
constexpr uint8_t kSectionProgressFile = 1;
constexpr size_t kProgressFileSectionBytes = 1 + 4 * 8;
constexpr uint8_t kSectionOutputs = 2;
constexpr uint8_t kSectionInputs = 3;
constexpr uint8_t kSectionKeepDone = 4;
constexpr size_t kMinOutputBytes = kMinStringBytes + 2 * 8;
constexpr size_t kMinInputBytes = kMinStringBytes + 3 * 8;

// ---- Header fields: explicit little-endian, independent of the host. ----

void PutLe(std::string* out, size_t offset, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) (*out)[offset + i] = static_cast<char>(value >> (8 * i));
}

uint64_t GetLe(std::string_view bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= uint64_t{static_cast<unsigned char>(bytes[offset + i])} << (8 * i);
  }
  return value;
}

// The checksum: XXH3-64 of header bytes [0, 24) followed by the payload, fed
// in pieces. It covers the version and the length too, so no header field is
// trusted unchecked.
class PayloadHash {
 public:
  explicit PayloadHash(std::string_view header) : state_(XXH3_createState()) {
    if (state_ == nullptr) throw std::bad_alloc();
    XXH3_64bits_reset(state_);
    XXH3_64bits_update(state_, header.data(), fmt::kChecksumOffset);
  }
  ~PayloadHash() { XXH3_freeState(state_); }
  PayloadHash(const PayloadHash&) = delete;
  PayloadHash& operator=(const PayloadHash&) = delete;
  void Add(std::string_view piece) { XXH3_64bits_update(state_, piece.data(), piece.size()); }
  uint64_t Digest() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_;
};

uint64_t Checksum(std::string_view header, std::string_view payload) {
  PayloadHash hash(header);
  hash.Add(payload);
  return hash.Digest();
}

// ---- Payload writing. The order here and in ReadPayload is the format. ----

using OutArchive = cereal::PortableBinaryOutputArchive;

void WriteString(OutArchive& ar, const std::string& s) {
  ar(uint64_t{s.size()});
  ar(cereal::binary_data(s.data(), s.size()));
}

void WriteFlag(OutArchive& ar, bool flag) {
  uint8_t byte = flag ? 1 : 0;
  ar(byte);
}

// Appends everything written to it to a string: no intermediate copies, and
// unbuffered, so bytes appended to the string directly stay in order.
class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  void Retarget(std::string* out) { out_ = out; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_->push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }

 private:
  std::string* out_;
};

// The done ids in pieces of about kDonePieceBytes, bypassing the archive: the
// same bytes (u64 little-endian length, then the id), a few times faster.
constexpr size_t kDonePieceBytes = 1 << 20;

template <typename Emit>
Status EmitDoneIds(const DoneSet& done, const Emit& emit) {
  std::string piece;
  piece.reserve(kDonePieceBytes);
  for (std::string_view id : done) {  // insertion order
    char size[8];
    for (size_t i = 0; i < 8; ++i) size[i] = static_cast<char>(uint64_t{id.size()} >> (8 * i));
    piece.append(size, sizeof size);
    piece.append(id);
    if (piece.size() >= kDonePieceBytes) {
      Status status = emit(std::string_view(piece));
      if (!status.ok()) return status;
      piece.clear();
    }
  }
  return piece.empty() ? Status::Ok() : emit(std::string_view(piece));
}

// The payload around the done ids: *before ends with their count, *after
// starts with the failures. One archive, so cereal's byte-order byte is
// written once, at the start.
void WritePayloadAround(const Checkpoint& c, uint64_t done_count, std::string* before,
                        std::string* after) {
  StringSink sink(before);
  std::ostream stream(&sink);
  OutArchive ar(stream, OutArchive::Options::LittleEndian());
  WriteFlag(ar, c.has_position);
  WriteString(ar, c.position);
  ar(done_count);
  sink.Retarget(after);
  ar(uint64_t{c.failures.size()});
  for (const Failure& f : c.failures) {
    WriteString(ar, f.id);
    WriteString(ar, f.reason);
  }
  ar(uint64_t{c.state.size()});
  for (const auto& [key, value] : c.state) {
    WriteString(ar, key);
    WriteString(ar, value);
  }
  ar(c.records, c.attempts, c.restarts, c.created_unix_ms, c.updated_unix_ms);
  ar(c.command_fingerprint);
  WriteFlag(ar, c.complete);
  ar(c.progress_done, c.progress_total);
  // Optional sections after the version-1 fields: a tag byte, then the
  // section. Written only when set, so a checkpoint without them is
  // byte-for-byte what earlier releases wrote (man/ckwrap-checkpoint.5).
  if (c.progress_file.valid()) {
    uint8_t tag = kSectionProgressFile;
    ar(tag, c.progress_file.dev, c.progress_file.ino, c.progress_file.offset,
       c.progress_file.head_hash);
  }
  if (!c.outputs.empty()) {
    uint8_t tag = kSectionOutputs;
    ar(tag, uint64_t{c.outputs.size()});
    for (const OutputFile& f : c.outputs) {
      WriteString(ar, f.path);
      ar(f.size, f.tail_hash);
    }
  }
  if (!c.inputs.empty()) {
    uint8_t tag = kSectionInputs;
    ar(tag, uint64_t{c.inputs.size()});
    for (const InputFile& f : c.inputs) {
      WriteString(ar, f.path);
      ar(f.size, f.mtime_ns, f.hash);
    }
  }
  if (c.keep_done) {
    uint8_t tag = kSectionKeepDone;
    ar(tag);
  }
}

// ---- Payload reading, every size prefix bounded by the bytes left. ----

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A read-only get area over caller-owned bytes: no copy, and it knows what is left.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // never written: get area only
    setg(begin, begin, begin + bytes.size());
  }
  size_t remaining() const { return static_cast<size_t>(egptr() - gptr()); }
  // The next n (<= remaining()) bytes, consumed, without a copy.
  std::string_view Take(size_t n) {
    std::string_view taken(gptr(), n);
    setg(eback(), gptr() + n, egptr());
    return taken;
  }
};

class PayloadReader {
 public:
  PayloadReader(ViewBuf* buf, cereal::PortableBinaryInputArchive* ar) : buf_(buf), ar_(ar) {}

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
  // loading millions of done ids): the mirror of WriteDoneIds.
  std::string_view RawView(const char* field) {
    if (buf_->remaining() < 8) throw DecodeError(std::string("truncated ") + field + " length");
    uint64_t size = GetLe(buf_->Take(8), 0, 8);
    if (size > buf_->remaining()) throw TooBig(field, size);
    return buf_->Take(size);
  }

  size_t remaining() const { return buf_->remaining(); }
  int Peek() const { return buf_->sgetc(); }

 private:
  DecodeError TooBig(const char* field, uint64_t claimed) const {
    return DecodeError(std::string(field) + " size " + std::to_string(claimed) + " exceeds the " +
                       std::to_string(remaining()) + " bytes left");
  }

  ViewBuf* buf_;
  cereal::PortableBinaryInputArchive* ar_;
};

void ReadPayload(PayloadReader& in, Checkpoint* c) {
  c->has_position = in.Flag("has_position");
  c->position = in.String("position");
  uint64_t done = in.Count("done", kMinStringBytes);
  c->done.reserve(done);
  std::string_view batch[1024];
  for (uint64_t i = 0; i < done;) {
    size_t n = 0;
    for (; n < std::size(batch) && i < done; ++n, ++i) batch[n] = in.RawView("done id");
    c->done.InsertBatch(batch, n, nullptr);
  }
  uint64_t failures = in.Count("failures", kMinPairBytes);
  c->failures.reserve(failures);
  for (uint64_t i = 0; i < failures; ++i) {
    Failure f;
    f.id = in.String("failure id");
    f.reason = in.String("failure reason");
    c->failures.push_back(std::move(f));
  }
  uint64_t state = in.Count("state", kMinPairBytes);
  for (uint64_t i = 0; i < state; ++i) {
    std::string key = in.String("state key");
    c->state[std::move(key)] = in.String("state value");
  }
  c->records = in.Number<uint64_t>();
  c->attempts = in.Number<uint64_t>();
  c->restarts = in.Number<uint64_t>();
  c->created_unix_ms = in.Number<int64_t>();
  c->updated_unix_ms = in.Number<int64_t>();
  c->command_fingerprint = in.Number<uint64_t>();
  c->complete = in.Flag("complete");
  c->progress_done = in.Number<uint64_t>();
  c->progress_total = in.Number<uint64_t>();
  // Anything else after the version-1 fields is reported as trailing bytes.
  if (in.remaining() >= kProgressFileSectionBytes && in.Peek() == kSectionProgressFile) {
    in.Number<uint8_t>();
    c->progress_file.dev = in.Number<uint64_t>();
    c->progress_file.ino = in.Number<uint64_t>();
    c->progress_file.offset = in.Number<uint64_t>();
    c->progress_file.head_hash = in.Number<uint64_t>();
    if (!c->progress_file.valid()) throw DecodeError("progress file section with inode 0");
  }
  if (in.remaining() > 0 && in.Peek() == kSectionOutputs) {
    in.Number<uint8_t>();
    uint64_t n = in.Count("outputs", kMinOutputBytes);
    for (uint64_t i = 0; i < n; ++i) {
      OutputFile f;
      f.path = in.String("output path");
      f.size = in.Number<uint64_t>();
      f.tail_hash = in.Number<uint64_t>();
      c->outputs.push_back(std::move(f));
    }
  }
  if (in.remaining() > 0 && in.Peek() == kSectionInputs) {
    in.Number<uint8_t>();
    uint64_t n = in.Count("inputs", kMinInputBytes);
    for (uint64_t i = 0; i < n; ++i) {
      InputFile f;
      f.path = in.String("input path");
      f.size = in.Number<uint64_t>();
      f.mtime_ns = in.Number<int64_t>();
      f.hash = in.Number<uint64_t>();
      c->inputs.push_back(std::move(f));
    }
  }
  if (in.remaining() > 0 && in.Peek() == kSectionKeepDone) {
    in.Number<uint8_t>();
    c->keep_done = true;
  }
}

// The header fields, checked in an order where each check can trust the previous ones.
Status CheckHeader(std::string_view bytes) {
  if (bytes.size() < fmt::kHeaderBytes) {
    return Status::Error("truncated header (" + std::to_string(bytes.size()) + " of " +
                         std::to_string(fmt::kHeaderBytes) + " bytes)");
  }
  if (std::memcmp(bytes.data(), fmt::kMagic, sizeof fmt::kMagic) != 0) {
    return Status::Error("bad magic");
  }
  uint64_t version = GetLe(bytes, kVersionOffset, 4);
  if (version > fmt::kVersion) {
    return Status::Error("checkpoint format version " + std::to_string(version) +
                         " is newer than this ckwrap supports (" + std::to_string(fmt::kVersion) +
                         ")");
  }
  if (version == 0) return Status::Error("bad checkpoint format version 0");
  if (GetLe(bytes, kReservedOffset, 4) != 0) return Status::Error("reserved field is not zero");
  uint64_t length = GetLe(bytes, kLengthOffset, 8);
  if (length > fmt::kMaxPayloadBytes) {
    return Status::Error("payload length " + std::to_string(length) + " exceeds the limit (" +
                         std::to_string(fmt::kMaxPayloadBytes) + " bytes)");
  }
  if (length != bytes.size() - fmt::kHeaderBytes) {
    return Status::Error("payload length " + std::to_string(length) + " does not match file (" +
                         std::to_string(bytes.size()) + " bytes)");
  }
  uint64_t stored = GetLe(bytes, fmt::kChecksumOffset, 8);
  if (stored != Checksum(bytes, bytes.substr(fmt::kHeaderBytes))) {
    return Status::Error("checksum mismatch");
  }
  return Status::Ok();
}

// Runs cereal over a verified payload. Throws (cereal::Exception, DecodeError).
Status DecodePayload(std::string_view payload, Checkpoint* out) {
  // cereal's first byte says the byte order it was written in; we only write little-endian.
  if (payload.empty() || payload[0] != 1) return Status::Error("payload is not little-endian");
  ViewBuf buf(payload);
  std::istream stream(&buf);
  cereal::PortableBinaryInputArchive archive(stream);
  PayloadReader reader(&buf, &archive);
  ReadPayload(reader, out);
  if (reader.remaining() != 0) {
    return Status::Error(std::to_string(reader.remaining()) + " trailing bytes after payload");
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeCheckpoint(const Checkpoint& checkpoint) {
  return EncodeCheckpoint(checkpoint, checkpoint.done);
}

std::string EncodeCheckpoint(const Checkpoint& checkpoint, const DoneSet& done) {
  CheckpointPieces pieces(checkpoint, done);
  std::string out;
  out.reserve(pieces.size());
  (void)pieces.Emit([&out](std::string_view piece) {  // appending cannot fail
    out.append(piece);
    return Status::Ok();
  });
  return out;
}

CheckpointPieces::CheckpointPieces(const Checkpoint& checkpoint, const DoneSet& done)
    : done_(done), header_(fmt::kHeaderBytes, '\0') {
  WritePayloadAround(checkpoint, done.size(), &before_, &after_);
  uint64_t done_bytes = 0;
  for (std::string_view id : done) done_bytes += 8 + id.size();
  payload_bytes_ = before_.size() + done_bytes + after_.size();
  std::memcpy(header_.data(), fmt::kMagic, sizeof fmt::kMagic);
  PutLe(&header_, kVersionOffset, fmt::kVersion, 4);
  PutLe(&header_, kLengthOffset, payload_bytes_, 8);
  // The checksum leads the file and covers the whole payload: a first pass
  // over the payload hashes what Emit writes (hashing cannot fail).
  PayloadHash hash(header_);
  (void)EmitPayload([&hash](std::string_view piece) {
    hash.Add(piece);
    return Status::Ok();
  });
  PutLe(&header_, fmt::kChecksumOffset, hash.Digest(), 8);
}

Status CheckpointPieces::EmitPayload(const std::function<Status(std::string_view)>& emit) const {
  Status status = emit(before_);
  if (status.ok()) status = EmitDoneIds(done_, emit);
  if (status.ok()) status = emit(after_);
  return status;
}

Status CheckpointPieces::Emit(const std::function<Status(std::string_view)>& emit) const {
  Status status = emit(header_);
  return status.ok() ? EmitPayload(emit) : status;
}

Status DecodeCheckpoint(std::string_view bytes, Checkpoint* out) {
  try {  // cereal's exceptions, and bad_alloc from anywhere, stop here
    Status status = CheckHeader(bytes);
    if (!status.ok()) return status;
    Checkpoint decoded;  // *out changes only on success
    status = DecodePayload(bytes.substr(fmt::kHeaderBytes), &decoded);
    if (status.ok()) *out = std::move(decoded);
    return status;
  } catch (const std::exception& e) {
    return Status::Error(std::string("malformed payload: ") + e.what());
  }
}

}  // namespace ckwrap
