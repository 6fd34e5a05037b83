#include "store/journal_reader.h"

#include <xxhash.h>

#include <cstring>
#include <utility>
#include <vector>

#include "store/journal_format.h"

namespace ckwrap {
namespace {

namespace fmt = journal_format;

uint64_t GetLe(std::string_view bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= uint64_t{static_cast<unsigned char>(bytes[offset + i])} << (8 * i);
  }
  return value;
}

struct Frame {
  fmt::RecordType type;
  std::string_view payload;
  size_t size;  // header + payload
};

// A whole record at offset whose checksum verifies.
bool ParseFrame(std::string_view bytes, size_t offset, Frame* frame) {
  if (bytes.size() - offset < fmt::kRecordHeaderBytes) return false;
  uint64_t length = GetLe(bytes, offset + fmt::kLengthOffset, 4);
  if (length > fmt::kMaxPayloadBytes || length > bytes.size() - offset - fmt::kRecordHeaderBytes) {
    return false;
  }
  size_t covered = fmt::kRecordHeaderBytes - fmt::kLengthOffset + length;
  if (XXH3_64bits(bytes.data() + offset + fmt::kLengthOffset, covered) != GetLe(bytes, offset, 8)) {
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
  std::vector<std::string_view> done;
  std::vector<Failure> failures;
  std::vector<std::pair<std::string_view, std::string_view>> state;
  bool has_progress_file = false;
  FileCursor progress_file;
  bool has_outputs = false;
  std::vector<OutputFile> outputs;
  size_t records = 0;
};

// Splits "u32 length, first, rest"; false if the length overruns.
bool SplitPair(std::string_view payload, std::string_view* first, std::string_view* rest) {
  if (payload.size() < 4) return false;
  uint64_t length = GetLe(payload, 0, 4);
  if (length > payload.size() - 4) return false;
  *first = payload.substr(4, length);
  *rest = payload.substr(4 + length);
  return true;
}

// u64 n, then n x (u64 path length, path, u64 size, u64 tail hash).
bool ParseOutputs(std::string_view payload, std::vector<OutputFile>* out) {
  out->clear();
  if (payload.size() < 8) return false;
  uint64_t n = GetLe(payload, 0, 8);
  size_t at = 8;
  if (n > (payload.size() - at) / 24) return false;
  for (uint64_t i = 0; i < n; ++i) {
    if (payload.size() - at < 8) return false;
    uint64_t length = GetLe(payload, at, 8);
    at += 8;
    if (length > payload.size() - at || payload.size() - at - length < 16) return false;
    OutputFile f;
    f.path.assign(payload.substr(at, length));
    at += length;
    f.size = GetLe(payload, at, 8);
    f.tail_hash = GetLe(payload, at + 8, 8);
    at += 16;
    out->push_back(std::move(f));
  }
  return at == payload.size();
}

// The ids of a DONES payload; false unless they fill it exactly.
bool SplitDones(std::string_view payload, std::vector<std::string_view>* out) {
  size_t at = 0;
  while (at < payload.size()) {
    if (payload.size() - at < 4) return false;
    uint64_t length = GetLe(payload, at, 4);
    at += 4;
    if (length > payload.size() - at) return false;
    out->push_back(payload.substr(at, length));
    at += length;
  }
  return true;
}

void ApplyCommit(std::string_view payload, Pending* pending, Checkpoint* c) {
  c->done.InsertBatch(pending->done.data(), pending->done.size(), nullptr);
  for (Failure& f : pending->failures) c->failures.push_back(std::move(f));
  for (auto& [key, value] : pending->state) c->state[std::string(key)] = std::string(value);
  if (pending->has_progress_file) c->progress_file = pending->progress_file;
  if (pending->has_outputs) c->outputs = std::move(pending->outputs);
  c->records = GetLe(payload, 0, 8);
  c->attempts = GetLe(payload, 8, 8);
  c->restarts = GetLe(payload, 16, 8);
  c->updated_unix_ms = static_cast<int64_t>(GetLe(payload, 24, 8));
  c->progress_done = GetLe(payload, 32, 8);
  c->progress_total = GetLe(payload, 40, 8);
  c->complete = payload[48] == 1;
  c->has_position = payload[49] == 1;
  c->position.assign(payload.substr(fmt::kCommitFixedBytes));
  *pending = Pending();
}

}  // namespace

Status ReplayJournal(std::string_view bytes, uint64_t generation, Checkpoint* checkpoint,
                     JournalReplay* replay) {
  *replay = JournalReplay();
  Pending pending;
  size_t offset = 0;
  bool header_seen = false;
  auto corrupt = [&](const std::string& what) {
    return Status::Error("corrupt record at offset " + std::to_string(offset) + ": " + what +
                         "; the " + std::to_string(replay->commits) +
                         " commits before it (the first " + std::to_string(replay->valid_bytes) +
                         " bytes) are intact");
  };
  while (offset < bytes.size()) {
    Frame frame;
    if (!ParseFrame(bytes, offset, &frame)) {
      size_t commit = CommitAfter(bytes, offset);
      if (commit != 0) {
        return corrupt("checksum or length does not verify, and a commit at offset " +
                       std::to_string(commit) + " follows");
      }
      break;  // a torn tail
    }
    if (!header_seen) {
      if (frame.type != fmt::RecordType::kHeader ||
          frame.payload.size() != fmt::kHeaderPayloadBytes ||
          std::memcmp(frame.payload.data(), fmt::kMagic, sizeof fmt::kMagic) != 0) {
        return corrupt("not a ckwrap journal (no header)");
      }
      uint64_t version = GetLe(frame.payload, 8, 4);
      if (version == 0 || version > fmt::kVersion) {
        return corrupt("journal format version " + std::to_string(version) +
                       ": this ckwrap reads versions 1 to " + std::to_string(fmt::kVersion));
      }
      uint64_t owner = GetLe(frame.payload, 12, 8);
      if (owner != generation) {
        return corrupt("journal of generation " + std::to_string(owner) + ", not " +
                       std::to_string(generation));
      }
      header_seen = true;
      offset += frame.size;
      replay->valid_bytes = offset;
      continue;
    }
    std::string_view first, rest;
    switch (frame.type) {
      case fmt::RecordType::kDone:
        pending.done.push_back(frame.payload);
        break;
      case fmt::RecordType::kDones:
        if (!SplitDones(frame.payload, &pending.done)) return corrupt("malformed DONES record");
        break;
      case fmt::RecordType::kFail:
        if (!SplitPair(frame.payload, &first, &rest)) return corrupt("FAIL id overruns");
        pending.failures.push_back({std::string(first), std::string(rest)});
        break;
      case fmt::RecordType::kState:
        if (!SplitPair(frame.payload, &first, &rest)) return corrupt("STATE key overruns");
        pending.state.emplace_back(first, rest);
        break;
      case fmt::RecordType::kProgressFile:
        if (frame.payload.size() != fmt::kProgressFilePayloadBytes ||
            GetLe(frame.payload, 8, 8) == 0) {
          return corrupt("malformed PROGRESS_FILE record");
        }
        pending.has_progress_file = true;
        pending.progress_file =
            FileCursor{GetLe(frame.payload, 0, 8), GetLe(frame.payload, 8, 8),
                       GetLe(frame.payload, 16, 8), GetLe(frame.payload, 24, 8)};
        break;
      case fmt::RecordType::kOutputs:
        if (!ParseOutputs(frame.payload, &pending.outputs)) {
          return corrupt("malformed OUTPUTS record");
        }
        pending.has_outputs = true;
        break;
      case fmt::RecordType::kCommit:
        if (frame.payload.size() < fmt::kCommitFixedBytes ||
            static_cast<unsigned char>(frame.payload[48]) > 1 ||
            static_cast<unsigned char>(frame.payload[49]) > 1) {
          return corrupt("malformed COMMIT record");
        }
        replay->records += pending.done.size() + pending.failures.size() + pending.state.size();
        ApplyCommit(frame.payload, &pending, checkpoint);
        replay->commits++;
        replay->valid_bytes = offset + frame.size;
        break;
      default:
        return corrupt("unknown record type " + std::to_string(static_cast<unsigned>(frame.type)));
    }
    offset += frame.size;
  }
  replay->torn_bytes = bytes.size() - replay->valid_bytes;
  return Status::Ok();
}

}  // namespace ckwrap
