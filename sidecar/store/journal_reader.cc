#include "store/journal_reader.h"

#include <xxhash.h>

#include <cstring>
#include <utility>
#include <vector>

#include "base/huge_pages.h"
#include "store/coding.h"
#include "store/journal_format.h"

namespace ckwrap {
namespace {

namespace fmt = journal_format;

// The u32 or u64 at offset (which the caller has checked is in bytes).
uint32_t Fixed32At(std::string_view bytes, size_t offset) {
  return DecodeFixed32(bytes.data() + offset);
}
uint64_t Fixed64At(std::string_view bytes, size_t offset) {
  return DecodeFixed64(bytes.data() + offset);
}

struct Frame {
  fmt::RecordType type;
  std::string_view payload;
  size_t size;  // header + payload
};

// A whole record at offset whose checksum verifies.
bool ParseFrame(std::string_view bytes, size_t offset, Frame* frame) {
  if (bytes.size() - offset < fmt::kRecordHeaderBytes) return false;
  uint64_t length = Fixed32At(bytes, offset + fmt::kLengthOffset);
  if (length > fmt::kMaxPayloadBytes || length > bytes.size() - offset - fmt::kRecordHeaderBytes) {
    return false;
  }
  size_t covered = fmt::kRecordHeaderBytes - fmt::kLengthOffset + length;
  uint64_t stored = Fixed64At(bytes, offset + fmt::kChecksumOffset);
  if (XXH3_64bits(bytes.data() + offset + fmt::kLengthOffset, covered) != stored) {
    return false;
  }
  frame->type = static_cast<fmt::RecordType>(bytes[offset + fmt::kTypeOffset]);
  frame->payload = bytes.substr(offset + fmt::kRecordHeaderBytes, length);
  frame->size = fmt::kRecordHeaderBytes + length;
  return true;
}

// Where, after a damaged record at offset, a verifying COMMIT record starts;
// 0 if none. Every offset is tried: the damaged record's length is not trusted.
size_t CommitAfter(std::string_view bytes, size_t offset) {
  for (size_t at = offset + 1; at + fmt::kRecordHeaderBytes <= bytes.size(); ++at) {
    Frame frame;
    if (ParseFrame(bytes, at, &frame) && frame.type == fmt::RecordType::kCommit) return at;
  }
  return 0;
}

// One commit's records, applied only when its COMMIT record verifies.
struct Pending {
  // Huge pages: a flood's commit is a million views, 16 MB of fresh memory
  // that cost 7,600 faults of 4 KiB pages on loading.
  using Views = std::vector<std::string_view, HugePageAllocator<std::string_view>>;
  Views done;
  // count 0: a FAIL record of earlier releases, one more FAIL for the id.
  std::vector<Failure> failures;
  std::vector<std::pair<std::string_view, std::string_view>> state;
  bool has_progress_file = false;
  FileCursor progress_file;
  bool has_outputs = false;
  std::vector<OutputFile> outputs;

  // Emptied for the next commit, keeping the room: a flood's commits are
  // 500,000 ids each, and fresh memory for each one's views cost more to
  // fault in than replaying them.
  void Clear() {
    done.clear();
    failures.clear();
    state.clear();
    has_progress_file = false;
    has_outputs = false;
    outputs.clear();
  }
};

// Splits "u32 length, first, rest"; false if the length overruns.
bool SplitPair(std::string_view payload, std::string_view* first, std::string_view* rest) {
  constexpr size_t kPrefix = fmt::kStringLengthBytes;
  if (payload.size() < kPrefix) return false;
  uint64_t length = Fixed32At(payload, 0);
  if (length > payload.size() - kPrefix) return false;
  *first = payload.substr(kPrefix, length);
  *rest = payload.substr(kPrefix + length);
  return true;
}

// u64 n, then n x (u64 path length, path, u64 size, u64 tail hash).
bool ParseOutputs(std::string_view payload, std::vector<OutputFile>* out) {
  out->clear();
  if (payload.size() < fmt::kOutputsCountBytes) return false;
  uint64_t n = Fixed64At(payload, 0);
  size_t at = fmt::kOutputsCountBytes;
  constexpr size_t kMinOutputBytes = fmt::kOutputPathLengthBytes + fmt::kOutputFixedBytes;
  if (n > (payload.size() - at) / kMinOutputBytes) return false;
  for (uint64_t i = 0; i < n; ++i) {
    if (payload.size() - at < fmt::kOutputPathLengthBytes) return false;
    uint64_t length = Fixed64At(payload, at);
    at += fmt::kOutputPathLengthBytes;
    if (length > payload.size() - at || payload.size() - at - length < fmt::kOutputFixedBytes) {
      return false;
    }
    OutputFile f;
    f.path.assign(payload.substr(at, length));
    at += length;
    f.size = Fixed64At(payload, at);
    f.tail_hash = Fixed64At(payload, at + 8);
    at += fmt::kOutputFixedBytes;
    out->push_back(std::move(f));
  }
  return at == payload.size();
}

// The ids of a DONES payload; false unless they fill it exactly.
bool SplitDones(std::string_view payload, Pending::Views* out) {
  size_t at = 0;
  while (at < payload.size()) {
    if (payload.size() - at < fmt::kStringLengthBytes) return false;
    uint64_t length = Fixed32At(payload, at);
    at += fmt::kStringLengthBytes;
    if (length > payload.size() - at) return false;
    out->push_back(payload.substr(at, length));
    at += length;
  }
  return true;
}

// u64 device, inode (never 0), offset, head hash.
bool ParseProgressFile(std::string_view payload, FileCursor* out) {
  if (payload.size() != fmt::kProgressFilePayloadBytes) return false;
  *out = FileCursor{Fixed64At(payload, fmt::kProgressDeviceOffset),
                    Fixed64At(payload, fmt::kProgressInodeOffset),
                    Fixed64At(payload, fmt::kProgressOffsetOffset),
                    Fixed64At(payload, fmt::kProgressHeadHashOffset)};
  return out->ino != 0;
}

// u32 id length, id, u64 count (not 0), reason.
std::string AddFailCount(std::string_view payload, Pending* pending) {
  std::string_view id, rest;
  if (!SplitPair(payload, &id, &rest) || rest.size() < fmt::kFailCountBytes) {
    return "malformed FAIL_COUNT record";
  }
  const uint64_t count = Fixed64At(rest, 0);
  if (count == 0) return "FAIL_COUNT record with count 0";
  pending->failures.push_back(
      {std::string(id), std::string(rest.substr(fmt::kFailCountBytes)), count});
  return "";
}

// Why the journal's first record is not this generation's HEADER; "" if it is.
std::string CheckHeader(const Frame& frame, uint64_t generation) {
  if (frame.type != fmt::RecordType::kHeader || frame.payload.size() != fmt::kHeaderPayloadBytes ||
      std::memcmp(frame.payload.data() + fmt::kHeaderMagicOffset, fmt::kMagic,
                  sizeof fmt::kMagic) != 0) {
    return "not a ckwrap journal (no header)";
  }
  uint64_t version = Fixed32At(frame.payload, fmt::kHeaderVersionOffset);
  if (version == 0 || version > fmt::kVersion) {
    return "journal format version " + std::to_string(version) +
           ": this ckwrap reads versions 1 to " + std::to_string(fmt::kVersion);
  }
  uint64_t owner = Fixed64At(frame.payload, fmt::kHeaderGenerationOffset);
  if (owner != generation) {
    return "journal of generation " + std::to_string(owner) + ", not " + std::to_string(generation);
  }
  return "";
}

// Adds a record that takes effect with the next COMMIT to *pending; "" or
// why it does not parse.
std::string AddToPending(const Frame& frame, Pending* pending) {
  std::string_view first, rest;
  switch (frame.type) {
    case fmt::RecordType::kDone:  // written by earlier releases
      pending->done.push_back(frame.payload);
      return "";
    case fmt::RecordType::kDones:
      return SplitDones(frame.payload, &pending->done) ? "" : "malformed DONES record";
    case fmt::RecordType::kFail:  // written by earlier releases
      if (!SplitPair(frame.payload, &first, &rest)) return "FAIL id overruns";
      pending->failures.push_back({std::string(first), std::string(rest), 0});
      return "";
    case fmt::RecordType::kFailCount:
      return AddFailCount(frame.payload, pending);
    case fmt::RecordType::kState:
      if (!SplitPair(frame.payload, &first, &rest)) return "STATE key overruns";
      pending->state.emplace_back(first, rest);
      return "";
    case fmt::RecordType::kProgressFile:
      pending->has_progress_file = true;
      return ParseProgressFile(frame.payload, &pending->progress_file)
                 ? ""
                 : "malformed PROGRESS_FILE record";
    case fmt::RecordType::kOutputs:
      pending->has_outputs = true;
      return ParseOutputs(frame.payload, &pending->outputs) ? "" : "malformed OUTPUTS record";
    default:
      return "unknown record type " + std::to_string(static_cast<unsigned>(frame.type));
  }
}

bool IsFlag(std::string_view payload, size_t offset) {
  return static_cast<unsigned char>(payload[offset]) <= 1;
}

// Applies the pending records and the COMMIT record's fields to *c.
void ApplyCommit(std::string_view payload, Pending* pending, Checkpoint* c) {
  c->done.InsertBatch(pending->done.data(), pending->done.size(), nullptr);
  for (const Failure& f : pending->failures) {
    if (f.count == 0) {
      c->failures.Record(f.id, f.reason);
    } else {
      c->failures.Set(f.id, f.reason, f.count);
    }
  }
  for (auto& [key, value] : pending->state) c->state[std::string(key)] = std::string(value);
  if (pending->has_progress_file) c->progress_file = pending->progress_file;
  if (pending->has_outputs) c->outputs = std::move(pending->outputs);
  c->records = Fixed64At(payload, fmt::kCommitRecordsOffset);
  c->attempts = Fixed64At(payload, fmt::kCommitAttemptsOffset);
  c->restarts = Fixed64At(payload, fmt::kCommitRestartsOffset);
  c->updated_unix_ms = static_cast<int64_t>(Fixed64At(payload, fmt::kCommitUpdatedUnixMsOffset));
  c->progress_done = Fixed64At(payload, fmt::kCommitProgressDoneOffset);
  c->progress_total = Fixed64At(payload, fmt::kCommitProgressTotalOffset);
  c->complete = payload[fmt::kCommitCompleteOffset] == 1;
  c->has_position = payload[fmt::kCommitHasPositionOffset] == 1;
  c->position.assign(payload.substr(fmt::kCommitPositionOffset));
  pending->Clear();
}

// A COMMIT record: the pending records and its fields take effect together.
std::string Commit(std::string_view payload, Pending* pending, Checkpoint* c,
                   JournalReplay* replay) {
  if (payload.size() < fmt::kCommitFixedBytes || !IsFlag(payload, fmt::kCommitCompleteOffset) ||
      !IsFlag(payload, fmt::kCommitHasPositionOffset)) {
    return "malformed COMMIT record";
  }
  replay->records += pending->done.size() + pending->failures.size() + pending->state.size();
  ApplyCommit(payload, pending, c);
  replay->commits++;
  return "";
}

}  // namespace

Status ReplayJournal(std::string_view bytes, uint64_t generation, Checkpoint* checkpoint,
                     JournalReplay* replay) {
  *replay = JournalReplay();
  Pending pending;
  size_t offset = 0;
  bool header_seen = false;
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("corrupt record at offset " + std::to_string(offset) + ": " + what +
                              "; the " + std::to_string(replay->commits) +
                              " commits before it (the first " +
                              std::to_string(replay->valid_bytes) + " bytes) are intact");
  };
  while (offset < bytes.size()) {
    Frame frame;
    if (!ParseFrame(bytes, offset, &frame)) {
      size_t commit = CommitAfter(bytes, offset);
      if (commit == 0) break;  // a torn tail
      return corrupt("checksum or length does not verify, and a commit at offset " +
                     std::to_string(commit) + " follows");
    }
    const bool commit = header_seen && frame.type == fmt::RecordType::kCommit;
    std::string error = !header_seen ? CheckHeader(frame, generation)
                        : commit     ? Commit(frame.payload, &pending, checkpoint, replay)
                                     : AddToPending(frame, &pending);
    if (!error.empty()) return corrupt(error);
    // The header and each COMMIT end a prefix that stands on its own.
    if (!header_seen || commit) replay->valid_bytes = offset + frame.size;
    header_seen = true;
    offset += frame.size;
  }
  replay->torn_bytes = bytes.size() - replay->valid_bytes;
  return Status::Ok();
}

}  // namespace ckwrap
