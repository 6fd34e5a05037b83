#include "store/durable_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <new>

#include "base/huge_pages.h"
#include "store/file_ops.h"
#include "store/filenames.h"

namespace ckwrap {

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = file_ops().Write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("write", path, errno);
    // A regular file never accepts 0 bytes of a non-empty write; don't spin on it.
    if (n == 0) return Status::Error("write " + path + ": wrote 0 bytes");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status WriteAllAt(int fd, std::string_view bytes, off_t offset, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = file_ops().Pwrite(fd, bytes.data(), bytes.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("write", path, errno);
    if (n == 0) return Status::Error("write " + path + ": wrote 0 bytes");
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return Status::Ok();
}

namespace {

// Unique per process and call, so concurrent replaces never share a temp file.
std::string TempName(const std::string& name) {
  static std::atomic<uint64_t> counter{0};
  return TempFileName(name, getpid(), counter.fetch_add(1) + 1);
}

int FsyncRetryingEintr(int fd) {
  int rc;
  do {
    rc = file_ops().Fsync(fd);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

// Writes, fsyncs (if sync) and closes an already created temp file. Closes fd on every path.
Status FillTempFile(int fd, const ProduceWithHead& produce, const std::string& path, bool sync) {
  std::string head;
  Status status =
      produce([fd, &path](std::string_view piece) { return WriteAll(fd, piece, path); }, &head);
  if (status.ok() && !head.empty()) status = WriteAllAt(fd, head, 0, path);
  if (status.ok() && sync && FsyncRetryingEintr(fd) != 0) {
    status = Status::FromErrno("fsync", path, errno);
  }
  if (!status.ok()) {
    file_ops().Close(fd);  // the first error is the one worth reporting
    return status;
  }
  // close() can report a deferred write error (NFS, quotas): check it.
  if (file_ops().Close(fd) != 0) return Status::FromErrno("close", path, errno);
  return Status::Ok();
}

Status WithContext(const std::string& final_path, const Status& status) {
  return Status::Error("replace " + final_path + ": " + status.message());
}

Status TooLarge(const std::string& path, size_t max_bytes) {
  return Status::Error("read " + path + ": file is larger than the limit of " +
                       std::to_string(max_bytes) + " bytes");
}

Status ReadAll(int fd, const std::string& path, size_t max_bytes, std::string* out) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno("stat", path, errno);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return TooLarge(path, max_bytes);
  try {
    out->reserve(static_cast<size_t>(st.st_size));
  } catch (const std::bad_alloc&) {  // a huge (sparse?) file: an error naming it, not a crash
    return Status::Error("read " + path + ": its " + std::to_string(st.st_size) +
                         " bytes do not fit in memory");
  }
  AdviseHugePages(out->data(), out->capacity());
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read", path, errno);
    if (n == 0) return Status::Ok();
    // Checked while reading too, so a file growing under us stays bounded.
    if (static_cast<size_t>(n) > max_bytes - out->size()) return TooLarge(path, max_bytes);
    out->append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

Status FsyncDir(const Directory& dir) {
  int fd = file_ops().Open(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("open directory", dir.path(), errno);
  if (FsyncRetryingEintr(fd) != 0) {
    Status status = Status::FromErrno("fsync directory", dir.path(), errno);
    file_ops().Close(fd);
    return status;
  }
  if (file_ops().Close(fd) != 0) return Status::FromErrno("close directory", dir.path(), errno);
  return Status::Ok();
}

namespace {

enum class Publish { kReplace, kExclusive };

// Moves the filled temp file to name; a Conflict if kExclusive finds name taken.
Status MoveIntoPlace(const Directory& dir, const std::string& temp_name, const std::string& name,
                     Publish publish) {
  const int rc = publish == Publish::kExclusive
                     ? file_ops().RenameNoReplace(dir.fd(), temp_name.c_str(), name.c_str())
                     : file_ops().Rename(dir.fd(), temp_name.c_str(), name.c_str());
  if (rc == 0) return Status::Ok();
  if (publish == Publish::kExclusive && errno == EEXIST) {
    return Status::Conflict(dir.PathOf(name) + " exists already: another writer made it");
  }
  return Status::FromErrno("rename to " + dir.PathOf(name) + " from", dir.PathOf(temp_name), errno);
}

Status Replace(const Directory& dir, const std::string& name, const ProduceWithHead& produce,
               mode_t mode, bool durable, Publish publish = Publish::kReplace,
               bool* published = nullptr) {
  const std::string final_path = dir.PathOf(name);
  const std::string temp_name = TempName(name);
  const std::string temp_path = dir.PathOf(temp_name);
  int fd = file_ops().Open(dir.fd(), temp_name.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  // Not created by us (O_EXCL): nothing of ours to remove.
  if (fd < 0) return WithContext(final_path, Status::FromErrno("open", temp_path, errno));
  Status status = FillTempFile(fd, produce, temp_path, durable);
  if (status.ok()) status = MoveIntoPlace(dir, temp_name, name, publish);
  if (!status.ok()) {
    file_ops().Unlink(dir.fd(), temp_name.c_str());
    return status.IsConflict() ? status : WithContext(final_path, status);
  }
  if (published != nullptr) *published = true;
  if (!durable) return Status::Ok();
  // Until the directory is synced the rename itself may be lost in a crash. The
  // new file is in place and cannot be un-renamed: the caller must treat the
  // commit as failed (it may be rolled back by a crash).
  status = FsyncDir(dir);
  if (!status.ok()) return WithContext(final_path, status);
  return Status::Ok();
}

// Content with no head to write last.
ProduceWithHead Headless(const ProducePieces& produce) {
  return [&produce](const PieceWriter& write, std::string*) { return produce(write); };
}

ProduceWithHead Whole(std::string_view bytes) {
  return [bytes](const PieceWriter& write, std::string*) { return write(bytes); };
}

}  // namespace

Status DurableReplace(const Directory& dir, const std::string& name, std::string_view bytes,
                      mode_t mode) {
  return Replace(dir, name, Whole(bytes), mode, true);
}

Status DurableReplacePieces(const Directory& dir, const std::string& name,
                            const ProducePieces& produce, mode_t mode) {
  return Replace(dir, name, Headless(produce), mode, true);
}

Status DurablePublishWithHead(const Directory& dir, const std::string& name,
                              const ProduceWithHead& produce, bool* published, mode_t mode) {
  *published = false;
  return Replace(dir, name, produce, mode, true, Publish::kExclusive, published);
}

Status AtomicReplace(const Directory& dir, const std::string& name, std::string_view bytes,
                     mode_t mode) {
  return Replace(dir, name, Whole(bytes), mode, false);
}

Status AtomicReplacePieces(const Directory& dir, const std::string& name,
                           const ProducePieces& produce, mode_t mode) {
  return Replace(dir, name, Headless(produce), mode, false);
}

namespace {

// With flags O_NOFOLLOW|O_NONBLOCK (a state directory's file): a FIFO planted
// at the name must not block the open, and anything but a regular file is
// refused. A regular file ignores O_NONBLOCK.
Status OpenForReading(int dir_fd, const char* name, const std::string& path, int flags, int* fd) {
  do {
    *fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | flags);
  } while (*fd < 0 && errno == EINTR);
  if (*fd < 0) return Status::FromErrno("open", path, errno);
  struct stat st;
  if ((flags & O_NOFOLLOW) != 0 && (::fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode))) {
    ::close(*fd);
    return Status::IoError("read " + path + ": not a regular file");
  }
  return Status::Ok();
}

Status ReadOpened(int dir_fd, const char* name, const std::string& path, int flags,
                  size_t max_bytes, std::string* out) {
  out->clear();
  int fd;
  Status status = OpenForReading(dir_fd, name, path, flags, &fd);
  if (!status.ok()) return status;
  status = ReadAll(fd, path, max_bytes, out);
  ::close(fd);  // read-only: close() has nothing to report
  if (!status.ok()) out->clear();
  return status;
}

Status PreadAll(int fd, uint64_t offset, size_t length, const std::string& path, std::string* out) {
  out->resize(length);
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out->data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read", path, errno);
    if (n == 0) {
      return Status::IoError("read " + path + ": " + std::to_string(offset + done) +
                             " bytes, shorter than the " + std::to_string(offset + length) +
                             " expected");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status ReadWholeFile(const std::string& path, size_t max_bytes, std::string* out) {
  return ReadOpened(AT_FDCWD, path.c_str(), path, 0, max_bytes, out);
}

Status ReadWholeFileAt(const Directory& dir, const std::string& name, size_t max_bytes,
                       std::string* out) {
  return ReadOpened(dir.fd(), name.c_str(), dir.PathOf(name), O_NOFOLLOW | O_NONBLOCK, max_bytes,
                    out);
}

Status OpenRegularFileAt(const Directory& dir, const std::string& name, int* fd) {
  return OpenForReading(dir.fd(), name.c_str(), dir.PathOf(name), O_NOFOLLOW | O_NONBLOCK, fd);
}

Status ReadFileRangeAt(const Directory& dir, const std::string& name, uint64_t offset,
                       size_t length, std::string* out) {
  out->clear();
  const std::string path = dir.PathOf(name);
  int fd;
  Status status = OpenRegularFileAt(dir, name, &fd);
  if (!status.ok()) return status;
  status = PreadAll(fd, offset, length, path, out);
  ::close(fd);
  if (!status.ok()) out->clear();
  return status;
}

}  // namespace ckwrap
