#include "store/replica_names.h"

#include <cstdio>

#include "store/filenames.h"

namespace ckwrap {
namespace {

constexpr size_t kSequenceDigits = 10;

// Bucket names as S3 allows them: 3-63 of a-z 0-9 . - (path-style URLs
// carry them as they are).
bool IsBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  return true;
}

}  // namespace

Status ParseReplicaUrl(std::string_view url, ReplicaLocation* out) {
  const std::string_view scheme = "s3://";
  auto bad = [url](const std::string& why) {
    return Status::Error("--replicate " + std::string(url) + ": " + why);
  };
  if (url.substr(0, scheme.size()) != scheme) return bad("not an s3://BUCKET/PREFIX URL");
  std::string_view rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (!IsBucketName(bucket)) return bad("the bucket must be 3-63 of a-z, 0-9, '.' and '-'");
  std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash + 1));
  if (prefix.find("//") != std::string::npos || (!prefix.empty() && prefix.front() == '/'))
    return bad("the prefix has an empty path segment");
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  out->bucket = std::string(bucket);
  out->prefix = prefix;
  return Status::Ok();
}

std::string ReplicaSnapshotKey(const ReplicaLocation& at, uint64_t generation) {
  return at.prefix + SnapshotFileName(generation);
}

std::string ReplicaJournalKey(const ReplicaLocation& at, uint64_t generation, uint64_t sequence) {
  char digits[kSequenceDigits + 1];
  std::snprintf(digits, sizeof digits, "%010llu", static_cast<unsigned long long>(sequence));
  return at.prefix + JournalFileName(generation) + "." + digits;
}

bool ParseReplicaKey(const ReplicaLocation& at, std::string_view key, ReplicaObject* type,
                     uint64_t* generation, uint64_t* sequence) {
  if (key.substr(0, at.prefix.size()) != at.prefix) return false;
  std::string_view name = key.substr(at.prefix.size());
  FileType file_type;
  if (ParseFileName(name, &file_type, generation) && file_type == FileType::kSnapshot) {
    *type = ReplicaObject::kSnapshot;
    return true;
  }
  // journal.<20 digits>.<10 digits>
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  if (!ParseFileName(name.substr(0, dot), &file_type, generation) ||
      file_type != FileType::kJournal)
    return false;
  if (!ParseFixedDigits(name.substr(dot + 1), kSequenceDigits, sequence) || *sequence == 0)
    return false;
  *type = ReplicaObject::kJournalPiece;
  return true;
}

}  // namespace ckwrap
