// The narrow seam through which every syscall touching checkpoint files goes,
// so tests can fail (or stop after) any single step on purpose. Names are
// relative to a directory descriptor (store/directory.h): openat, renameat
// and unlinkat within one directory, never a path walked again.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace ckwrap {

class FileOps {
 public:
  virtual ~FileOps() = default;
  virtual int Open(int dir_fd, const char* name, int flags, mode_t mode);
  virtual ssize_t Write(int fd, const void* buf, size_t count);
  // At offset, leaving the file offset alone: a snapshot's header, written last.
  virtual ssize_t Pwrite(int fd, const void* buf, size_t count, off_t offset);
  virtual int Fsync(int fd);
  virtual int Fdatasync(int fd);
  virtual int Ftruncate(int fd, off_t length);
  virtual int Close(int fd);
  virtual int Rename(int dir_fd, const char* from, const char* to);
  // Renames from to to only if no file is named to (else -1, EEXIST): the
  // exclusive publish of a generation (man/ckwrap-checkpoint.5, FENCING).
  // renameat2(RENAME_NOREPLACE); where the filesystem lacks it (NFS), link(2)
  // then unlink of from, which is atomic on the server too.
  virtual int RenameNoReplace(int dir_fd, const char* from, const char* to);
  virtual int Unlink(int dir_fd, const char* name);
};

// The process-wide instance; tests swap in a failing one.
FileOps& file_ops();
// Returns the previous instance. Pass nullptr to restore the real syscalls.
FileOps* SetFileOpsForTesting(FileOps* ops);

}  // namespace ckwrap
