#include "store/fencing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "store/checkpoint_format.h"
#include "store/durable_file.h"
#include "store/filenames.h"
#include "store/snapshot_reader.h"

namespace ckwrap {

WriterId ThisWriter() {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return {host[0] != '\0' ? host : "unknown", static_cast<uint64_t>(::getpid())};
}

namespace {

// "pid P on host H", or why the writer is unknown. Reads the whole snapshot,
// but only on the way out: a fenced writer stops.
std::string DescribeWriter(const Directory& dir, uint64_t generation) {
  std::string bytes;
  Checkpoint checkpoint;
  if (!ReadWholeFileAt(dir, SnapshotFileName(generation), checkpoint_format::kMaxFileBytes, &bytes)
           .ok() ||
      !DecodeCheckpoint(bytes, &checkpoint).ok()) {
    return "a writer whose snapshot cannot be read now";
  }
  if (checkpoint.writer.pid == 0) return "a writer that recorded no pid (an earlier release)";
  return "pid " + std::to_string(checkpoint.writer.pid) + " on host " + checkpoint.writer.host;
}

}  // namespace

Status FencedBy(const Directory& dir, uint64_t newer, uint64_t own) {
  return Status::Conflict(
      "another ckwrap (" + DescribeWriter(dir, newer) + ") has written generation " +
      std::to_string(newer) + " (" + dir.PathOf(SnapshotFileName(newer)) +
      ") since this one's generation " + std::to_string(own) + ": this ckwrap (pid " +
      std::to_string(::getpid()) +
      ") stops without writing, so the newer progress is never rolled back or mixed with "
      "older (two supervisors on one state directory: its lock was removed or does not work "
      "on this storage)");
}

Status CheckJournalNotFenced(const Directory& dir, uint64_t own, int journal_fd,
                             bool* journal_removed) {
  *journal_removed = false;
  const std::string next = SnapshotFileName(own + 1);
  if (::faccessat(dir.fd(), next.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
    return FencedBy(dir, own + 1, own);
  }
  struct stat st {};
  if (journal_fd >= 0 && ::fstat(journal_fd, &st) == 0 && st.st_nlink == 0) {
    *journal_removed = true;
    return Status::Conflict("journal " + dir.PathOf(JournalFileName(own)) +
                            " was removed by another writer");
  }
  return Status::Ok();
}

}  // namespace ckwrap
