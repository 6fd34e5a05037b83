#include "store/snapshot_writer.h"

#include <cereal/archives/portable_binary.hpp>
#include <cstring>
#include <ostream>
#include <streambuf>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/snapshot_checksum.h"

namespace ckwrap {
namespace {

namespace fmt = checkpoint_format;

// ---- Payload writing. The order here and in snapshot_reader.cc is the format. ----

using OutArchive = cereal::PortableBinaryOutputArchive;

void WriteString(OutArchive& ar, const std::string& s) {
  ar(uint64_t{s.size()});
  ar(cereal::binary_data(s.data(), s.size()));
}

void WriteFlag(OutArchive& ar, bool flag) {
  uint8_t byte = flag ? 1 : 0;
  ar(byte);
}

void WriteTag(OutArchive& ar, uint8_t tag) { ar(tag); }

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

// The done ids in pieces of kDonePieceBytes at most, bypassing the archive:
// the same bytes (u64 length, then the id), encoded through a pointer into
// one buffer that stays in the cache. This loop is most of a snapshot's
// cost, so it runs once: the checksum is taken as the pieces go out.
constexpr size_t kDonePieceBytes = 256 << 10;

template <typename Emit>
Status EmitDoneIds(const DoneSet& done, const Emit& emit) {
  std::string piece(kDonePieceBytes, '\0');
  size_t used = 0;
  Status status;
  // In table order: the next load then fills its table front to back.
  done.VisitInTableOrder([&](std::string_view id) {
    char length[fmt::kStringLengthBytes];
    EncodeFixed64(length, id.size());
    const size_t need = sizeof length + id.size();
    if (used + need > piece.size() && used > 0) {
      status = emit(std::string_view(piece.data(), used));
      if (!status.ok()) return false;
      used = 0;
    }
    if (need > piece.size()) {  // an id longer than a piece: its own pieces
      status = emit(std::string_view(length, sizeof length));
      if (status.ok()) status = emit(id);
      return status.ok();
    }
    std::memcpy(piece.data() + used, length, sizeof length);
    std::memcpy(piece.data() + used + sizeof length, id.data(), id.size());
    used += need;
    return true;
  });
  if (!status.ok() || used == 0) return status;
  return emit(std::string_view(piece.data(), used));
}

// The fixed fields after the done ids.
void WriteFieldsAfterDone(OutArchive& ar, const Checkpoint& c) {
  ar(uint64_t{c.failures.size()});
  for (const Failure& f : c.failures) {
    WriteString(ar, f.id);
    WriteString(ar, f.reason);
    ar(f.count);
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
}

// Optional sections after the fixed fields: a tag byte, then the section.
// Written only when set (man/ckwrap-checkpoint.5).
void WriteSections(OutArchive& ar, const Checkpoint& c, const WriterId& writer) {
  if (c.progress_file.valid()) {
    WriteTag(ar, fmt::kSectionProgressFile);
    ar(c.progress_file.dev, c.progress_file.ino, c.progress_file.offset, c.progress_file.head_hash);
  }
  if (!c.outputs.empty()) {
    WriteTag(ar, fmt::kSectionOutputs);
    ar(uint64_t{c.outputs.size()});
    for (const OutputFile& f : c.outputs) {
      WriteString(ar, f.path);
      ar(f.size, f.tail_hash);
    }
  }
  if (!c.inputs.empty()) {
    WriteTag(ar, fmt::kSectionInputs);
    ar(uint64_t{c.inputs.size()});
    for (const InputFile& f : c.inputs) {
      WriteString(ar, f.path);
      ar(f.size, f.mtime_ns, f.hash);
    }
  }
  if (c.keep_done) WriteTag(ar, fmt::kSectionKeepDone);
  if (!c.command.empty()) {
    WriteTag(ar, fmt::kSectionCommand);
    ar(uint64_t{c.command.size()});
    for (const std::string& arg : c.command) WriteString(ar, arg);
  }
  if (writer.pid != 0) {
    WriteTag(ar, fmt::kSectionWriter);
    WriteString(ar, writer.host);
    ar(writer.pid);
  }
}

// The payload around the done ids: *before ends with their count, *after
// starts with the failures. One archive, so cereal's byte-order byte is
// written once, at the start.
void WritePayloadAround(const Checkpoint& c, uint64_t done_count, const WriterId& writer,
                        std::string* before, std::string* after) {
  StringSink sink(before);
  std::ostream stream(&sink);
  OutArchive ar(stream, OutArchive::Options::LittleEndian());
  WriteFlag(ar, c.has_position);
  WriteString(ar, c.position);
  ar(done_count);
  sink.Retarget(after);
  WriteFieldsAfterDone(ar, c);
  WriteSections(ar, c, writer);
}

}  // namespace

SnapshotWriter::SnapshotWriter(const Checkpoint& checkpoint, const DoneSet& done,
                               const WriterId& writer)
    : done_(done), header_(fmt::kHeaderBytes, '\0') {
  WritePayloadAround(checkpoint, done.size(), writer, &before_, &after_);
  const uint64_t done_bytes = done.size() * fmt::kStringLengthBytes + done.id_bytes();
  payload_bytes_ = before_.size() + done_bytes + after_.size();
  std::memcpy(&header_[fmt::kMagicOffset], fmt::kMagic, sizeof fmt::kMagic);
  EncodeFixed32(&header_[fmt::kVersionOffset], fmt::kVersion);
  EncodeFixed64(&header_[fmt::kLengthOffset], payload_bytes_);  // reserved stays zero
}

Status SnapshotWriter::Emit(const std::function<Status(std::string_view)>& emit,
                            std::string* header) const {
  // The checksum leads the file and covers the whole payload: the header
  // goes out with it zero, and *header has it once the payload is out.
  SnapshotHash hash(header_);
  const auto hash_and_emit = [&](std::string_view piece) {
    hash.Add(piece);
    return emit(piece);
  };
  Status status = emit(header_);
  if (status.ok()) status = hash_and_emit(before_);
  if (status.ok()) status = EmitDoneIds(done_, hash_and_emit);
  if (status.ok()) status = hash_and_emit(after_);
  if (!status.ok()) return status;
  *header = header_;
  EncodeFixed64(&(*header)[fmt::kChecksumOffset], hash.Digest());
  return Status::Ok();
}

}  // namespace ckwrap
