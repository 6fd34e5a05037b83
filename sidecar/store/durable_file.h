// Crash-safe whole-file replacement and bounded whole-file reading.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ckwrap {

// Replaces dir/name with bytes so that a crash at any moment leaves either the
// old file or the new one: temp file in dir (O_CREAT|O_EXCL|O_CLOEXEC), write
// all (short writes, EINTR), fsync, checked close, rename, fsync of dir. The
// temp file is removed on any failure. All syscalls go through file_ops().
Status DurableReplace(const std::string& dir, const std::string& name, std::string_view bytes,
                      mode_t mode = 0600);

// The same with the content produced in pieces: produce calls its argument
// with each piece in order (a snapshot too large to hold twice in memory) and
// returns the first error of a write, or its own.
using PieceWriter = std::function<Status(std::string_view piece)>;
using ProducePieces = std::function<Status(const PieceWriter& write)>;
Status DurableReplacePieces(const std::string& dir, const std::string& name,
                            const ProducePieces& produce, mode_t mode = 0600);

// The same without the fsyncs: readers see the old file or the new one, but a
// machine crash may lose the replacement. For files derived from the
// checkpoint and rewritten before every use (the resume files).
Status AtomicReplace(const std::string& dir, const std::string& name, std::string_view bytes,
                     mode_t mode = 0600);

// Makes the directory's entries (creates, renames, unlinks) durable: open the
// directory, fsync it, checked close; all through file_ops().
Status FsyncDir(const std::string& dir);

// Writes all of bytes to fd through file_ops(), retrying short writes and
// EINTR; the error names path.
Status WriteAll(int fd, std::string_view bytes, const std::string& path);

// Reads a whole file, refusing files larger than max_bytes.
Status ReadWholeFile(const std::string& path, size_t max_bytes, std::string* out);

}  // namespace ckwrap
