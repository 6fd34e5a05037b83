#include "store/snapshot_writer.h"

#include <cereal/archives/portable_binary.hpp>
#include <cstring>
#include <ostream>
#include <streambuf>

#include "store/checkpoint_format.h"
#include "store/coding.h"
#include "store/done_set_image.h"
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

// The payload around the done set: *before ends with the position, *after
// starts with the failures. One archive, so cereal's byte-order byte is
// written once, at the start.
void WritePayloadAround(const Checkpoint& c, const WriterId& writer, std::string* before,
                        std::string* after) {
  StringSink sink(before);
  std::ostream stream(&sink);
  OutArchive ar(stream, OutArchive::Options::LittleEndian());
  WriteFlag(ar, c.has_position);
  WriteString(ar, c.position);
  sink.Retarget(after);
  WriteFieldsAfterDone(ar, c);
  WriteSections(ar, c, writer);
}

}  // namespace

SnapshotWriter::SnapshotWriter(const Checkpoint& checkpoint, const DoneSet& done,
                               const WriterId& writer)
    : done_(done), header_(fmt::kHeaderBytes, '\0') {
  WritePayloadAround(checkpoint, writer, &before_, &after_);
  payload_bytes_ = before_.size() + DoneSetImage::Bytes(done) + after_.size();
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
  if (status.ok()) status = DoneSetImage::Emit(done_, hash_and_emit);
  if (status.ok()) status = hash_and_emit(after_);
  if (!status.ok()) return status;
  *header = header_;
  EncodeFixed64(&(*header)[fmt::kChecksumOffset], hash.Digest());
  return Status::Ok();
}

}  // namespace ckwrap
