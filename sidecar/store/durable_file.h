// Crash-safe whole-file replacement and bounded whole-file reading.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/directory.h"

namespace ckwrap {

// Replaces dir/name with bytes so that a crash at any moment leaves either the
// old file or the new one: temp file in dir (O_CREAT|O_EXCL|O_NOFOLLOW), write
// all (short writes, EINTR), fsync, checked close, rename, fsync of dir. The
// temp file is removed on any failure. All syscalls go through file_ops(),
// relative to dir's descriptor; the rename replaces a planted symlink at name
// rather than following it.
Status DurableReplace(const Directory& dir, const std::string& name, std::string_view bytes,
                      mode_t mode = 0600);

// The same with the content produced in pieces: produce calls its argument
// with each piece in order (a snapshot too large to hold twice in memory) and
// returns the first error of a write, or its own.
using PieceWriter = std::function<Status(std::string_view piece)>;
using ProducePieces = std::function<Status(const PieceWriter& write)>;
Status DurableReplacePieces(const Directory& dir, const std::string& name,
                            const ProducePieces& produce, mode_t mode = 0600);

// The same for a file whose first bytes depend on all the rest (a snapshot's
// header holds the checksum of what follows): produce writes every piece, a
// placeholder of the head's size first, and sets *head, which is then
// written over the file's start (before the fsync). One pass over the
// content, where computing the head first would take two.
using ProduceWithHead = std::function<Status(const PieceWriter& write, std::string* head)>;

// And never over an existing dir/name: the temp file is published with
// RenameNoReplace, and a name taken meanwhile (another writer's generation)
// is a Conflict naming it, the temp file removed. For every generation file
// (man/ckwrap-checkpoint.5, FENCING). *published says whether the file got
// its name, even if the directory fsync then failed: the name is then this
// writer's, though the commit counts as failed.
Status DurablePublishWithHead(const Directory& dir, const std::string& name,
                              const ProduceWithHead& produce, bool* published, mode_t mode = 0600);

// The same as DurableReplace without the fsyncs: readers see the old file or the new one, but a
// machine crash may lose the replacement. For files derived from the
// checkpoint and rewritten before every use (the resume files).
Status AtomicReplace(const Directory& dir, const std::string& name, std::string_view bytes,
                     mode_t mode = 0600);
Status AtomicReplacePieces(const Directory& dir, const std::string& name,
                           const ProducePieces& produce, mode_t mode = 0600);

// Makes the directory's entries (creates, renames, unlinks) durable: open the
// directory (openat ".", so a fault can be injected there), fsync it, checked
// close; all through file_ops().
Status FsyncDir(const Directory& dir);

// Writes all of bytes to fd through file_ops(), retrying short writes and
// EINTR; the error names path.
Status WriteAll(int fd, std::string_view bytes, const std::string& path);
// The same at offset (pwrite), the file offset unchanged.
Status WriteAllAt(int fd, std::string_view bytes, off_t offset, const std::string& path);

// Reads a whole file, refusing files larger than max_bytes.
Status ReadWholeFile(const std::string& path, size_t max_bytes, std::string* out);
// The same for dir/name, never through a symlink (ELOOP) and only a regular
// file: a FIFO planted there would block the read forever.
Status ReadWholeFileAt(const Directory& dir, const std::string& name, size_t max_bytes,
                       std::string* out);
// dir/name opened for reading the same way; the caller closes *fd.
Status OpenRegularFileAt(const Directory& dir, const std::string& name, int* fd);
// The bytes [offset, offset + length) of dir/name, opened the same way; a
// file shorter than that is an error (the replica's uploader reads what a
// commit made durable, and a shorter file means it was cut meanwhile).
Status ReadFileRangeAt(const Directory& dir, const std::string& name, uint64_t offset,
                       size_t length, std::string* out);

}  // namespace ckwrap
