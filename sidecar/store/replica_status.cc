#include "store/replica_status.h"

#include <cstdlib>
#include <sstream>

#include "store/durable_file.h"
#include "store/filenames.h"

namespace ckwrap {
namespace {

constexpr size_t kMaxFileBytes = 64 << 10;

// A message on one line: the file holds one value a line.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

void ParseLine(const std::string& key, const std::string& value, ReplicaStatus* out) {
  auto number = [&value] { return std::strtoll(value.c_str(), nullptr, 10); };
  if (key == "url") out->url = value;
  if (key == "uploaded_generation") out->uploaded_generation = static_cast<uint64_t>(number());
  if (key == "uploaded_journal_bytes")
    out->uploaded_journal_bytes = static_cast<uint64_t>(number());
  if (key == "uploaded_commit_unix_ms") out->uploaded_commit_unix_ms = number();
  if (key == "pending_bytes") out->pending_bytes = static_cast<uint64_t>(number());
  if (key == "lag_ms") out->lag_ms = number();
  if (key == "updated_unix_ms") out->updated_unix_ms = number();
  if (key == "fenced") out->fenced = value == "1";
  if (key == "last_error") out->last_error = value;
}

}  // namespace

Status WriteReplicaStatus(const Directory& dir, const ReplicaStatus& s) {
  std::ostringstream text;
  text << "url " << s.url << "\n"
       << "uploaded_generation " << s.uploaded_generation << "\n"
       << "uploaded_journal_bytes " << s.uploaded_journal_bytes << "\n"
       << "uploaded_commit_unix_ms " << s.uploaded_commit_unix_ms << "\n"
       << "pending_bytes " << s.pending_bytes << "\n"
       << "lag_ms " << s.lag_ms << "\n"
       << "updated_unix_ms " << s.updated_unix_ms << "\n"
       << "fenced " << (s.fenced ? 1 : 0) << "\n"
       << "last_error " << OneLine(s.last_error) << "\n";
  return AtomicReplace(dir, ReplicaStatusFileName(), text.str());
}

bool ReadReplicaStatus(const std::string& state_dir, ReplicaStatus* out) {
  Directory dir;
  std::string text;
  if (!Directory::Open(state_dir, &dir, /*follow_link=*/true).ok()) return false;
  if (!ReadWholeFileAt(dir, ReplicaStatusFileName(), kMaxFileBytes, &text).ok()) return false;
  std::istringstream lines(text);
  std::string line;
  *out = ReplicaStatus();
  while (std::getline(lines, line)) {
    const size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    ParseLine(line.substr(0, space), line.substr(space + 1), out);
  }
  return !out->url.empty();
}

}  // namespace ckwrap
