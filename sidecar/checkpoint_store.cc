#include "checkpoint_store.h"

#include <dirent.h>
#include <errno.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>

#include "checkpoint_codec.h"
#include "checkpoint_format.h"
#include "durable_file.h"
#include "file_ops.h"

namespace ckwrap {
namespace {

constexpr char kPrefix[] = "checkpoint.";
constexpr size_t kPrefixLength = sizeof kPrefix - 1;
constexpr size_t kGenerationDigits = 20;
constexpr char kTempPrefix[] = ".tmp.";  // DurableReplace's temp files

std::string FileName(uint64_t generation) {
  char digits[kGenerationDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(generation));
  return kPrefix + std::string(digits);
}

// True for "checkpoint." followed by exactly 20 digits that fit in a u64.
bool ParseGeneration(const char* name, uint64_t* generation) {
  if (std::strncmp(name, kPrefix, kPrefixLength) != 0) return false;
  const char* digits = name + kPrefixLength;
  if (std::strlen(digits) != kGenerationDigits) return false;
  uint64_t value = 0;
  for (const char* p = digits; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return false;
    unsigned digit = static_cast<unsigned>(*p - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *generation = value;
  return true;
}

struct DirListing {
  std::vector<uint64_t> generations;  // newest first
  std::vector<std::string> temp_files;
};

// A missing directory lists as empty: nothing was ever committed there.
Status ListDir(const std::string& dir, DirListing* listing) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr && errno == ENOENT) return Status::Ok();
  if (d == nullptr) return Status::FromErrno("open directory", dir, errno);
  errno = 0;
  while (const dirent* entry = ::readdir(d)) {
    uint64_t generation;
    if (ParseGeneration(entry->d_name, &generation)) listing->generations.push_back(generation);
    if (std::strncmp(entry->d_name, kTempPrefix, sizeof kTempPrefix - 1) == 0) {
      listing->temp_files.push_back(entry->d_name);
    }
  }
  int err = errno;  // readdir returns nullptr both at the end and on error
  ::closedir(d);
  if (err != 0) return Status::FromErrno("read directory", dir, err);
  std::sort(listing->generations.begin(), listing->generations.end(), std::greater<>());
  return Status::Ok();
}

// Reads and verifies one generation; the reason on failure names no path.
Status LoadFile(const std::string& path, Checkpoint* out) {
  std::string bytes;
  Status status = ReadWholeFile(
      path, checkpoint_format::kHeaderBytes + checkpoint_format::kMaxPayloadBytes, &bytes);
  if (!status.ok()) return status;
  return DecodeCheckpoint(bytes, out);
}

Status UnlinkIfPresent(const std::string& path) {
  if (file_ops().Unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("unlink", path, errno);
  }
  return Status::Ok();
}

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

}  // namespace

CheckpointStore::CheckpointStore(std::string dir) : dir_(std::move(dir)) {}

Status CheckpointStore::Load(LoadedCheckpoint* out) {
  *out = LoadedCheckpoint();
  DirListing listing;
  Status status = ListDir(dir_, &listing);
  if (!status.ok()) return status;
  // Continue after the newest file even if it is corrupt, so it is never overwritten.
  if (!listing.generations.empty()) generation_ = listing.generations.front();
  std::vector<std::string> failures;
  for (uint64_t generation : listing.generations) {
    std::string path = dir_ + "/" + FileName(generation);
    status = LoadFile(path, &out->checkpoint);
    if (!status.ok()) {
      failures.push_back(path + ": " + status.message());
      continue;
    }
    out->found = true;
    out->path = path;
    out->warnings = std::move(failures);
    last_good_ = generation;
    return Status::Ok();
  }
  if (failures.empty()) return Status::Ok();  // a fresh start
  return Status::Error("no checkpoint in " + dir_ + " verifies: " + Join(failures, "; "));
}

void CheckpointStore::RemoveTempFiles() {
  DirListing listing;
  if (!ListDir(dir_, &listing).ok()) return;
  // Leftovers of a commit that crashed; never the newest state. Harmless if one stays.
  for (const std::string& temp : listing.temp_files) (void)UnlinkIfPresent(dir_ + "/" + temp);
}

Status CheckpointStore::Commit(const std::string& encoded) {
  // Listed again so a file we did not load (or a failed commit left) is never overwritten.
  DirListing listing;
  Status status = ListDir(dir_, &listing);
  if (!status.ok()) return status;
  uint64_t newest_on_disk = listing.generations.empty() ? 0 : listing.generations.front();
  uint64_t next = std::max(generation_, newest_on_disk) + 1;
  status = DurableReplace(dir_, FileName(next), encoded);
  if (!status.ok()) return status;
  generation_ = next;
  uint64_t fallback = last_good_ != 0 ? last_good_ : newest_on_disk;
  last_good_ = next;
  // Best effort and not synced: an older generation that survives, or comes back
  // after a crash, is only a stale fallback, and the next commit prunes it again.
  for (uint64_t generation : listing.generations) {
    if (generation != fallback) (void)UnlinkIfPresent(dir_ + "/" + FileName(generation));
  }
  return Status::Ok();
}

Status CheckpointStore::Reset() {
  DirListing listing;
  Status status = ListDir(dir_, &listing);
  if (!status.ok()) return status;
  std::vector<std::string> names = listing.temp_files;
  for (uint64_t generation : listing.generations) names.push_back(FileName(generation));
  for (const std::string& name : names) {
    status = UnlinkIfPresent(dir_ + "/" + name);
    if (!status.ok()) return status;
  }
  // The unlinks must persist: a resurrected checkpoint would resume a reset job.
  if (!names.empty()) {
    status = FsyncDir(dir_);
    if (!status.ok()) return status;
  }
  generation_ = 0;
  last_good_ = 0;
  return Status::Ok();
}

}  // namespace ckwrap
