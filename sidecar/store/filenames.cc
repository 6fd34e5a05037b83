#include "store/filenames.h"

#include <cstdio>

namespace ckwrap {
namespace {

constexpr std::string_view kSnapshotPrefix = "checkpoint.";
constexpr std::string_view kJournalPrefix = "journal.";
constexpr std::string_view kTempPrefix = ".tmp.";
constexpr size_t kGenerationDigits = 20;  // every u64, so names sort by generation

std::string WithGeneration(std::string_view prefix, uint64_t generation) {
  char digits[kGenerationDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(generation));
  return std::string(prefix) + digits;
}

// True for prefix followed by exactly 20 digits that fit in a u64.
bool ParseGeneration(std::string_view name, std::string_view prefix, uint64_t* generation) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  return ParseFixedDigits(name.substr(prefix.size()), kGenerationDigits, generation);
}

}  // namespace

bool ParseFixedDigits(std::string_view text, size_t digits, uint64_t* value) {
  if (text.size() != digits) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    unsigned digit = static_cast<unsigned>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *value = v;
  return true;
}

std::string SnapshotFileName(uint64_t generation) {
  return WithGeneration(kSnapshotPrefix, generation);
}

std::string JournalFileName(uint64_t generation) {
  return WithGeneration(kJournalPrefix, generation);
}

std::string TempFileName(const std::string& name, pid_t pid, uint64_t sequence) {
  return std::string(kTempPrefix) + name + "." + std::to_string(pid) + "." +
         std::to_string(sequence);
}

std::string RejectedFileName(const std::string& name) { return name + ".rejected"; }

std::string LockFileName() { return "lock"; }
std::string LastExitFileName() { return "last_exit"; }
std::string ReplicaStatusFileName() { return "replica"; }

bool ParseFileName(std::string_view name, FileType* type, uint64_t* generation) {
  if (name.substr(0, kTempPrefix.size()) == kTempPrefix) {
    *type = FileType::kTemp;
    return true;
  }
  if (ParseGeneration(name, kSnapshotPrefix, generation)) {
    *type = FileType::kSnapshot;
    return true;
  }
  if (ParseGeneration(name, kJournalPrefix, generation)) {
    *type = FileType::kJournal;
    return true;
  }
  return false;
}

}  // namespace ckwrap
