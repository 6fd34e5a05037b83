// A snapshot payload's bytes for its decoder (snapshot_reader.cc), with the
// number left always known (every size prefix is bounded by it): either all
// of them in memory, or an open file read one piece at a time into a buffer
// that is reused, each piece hashed as it is read. Ten million ids are a
// 200 MB file: read whole, fresh memory that costs more to fault in than
// the file costs to read twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "base/huge_pages.h"
#include "base/status.h"
#include "store/snapshot_checksum.h"

namespace ckwrap {

// A read of the file failed (or found it shorter than it was): the status,
// which is about the file, not its content.
struct PayloadReadFailed {
  Status status;
};

// Where a file's payload is, for PayloadBuf: bytes [offset, offset + left).
struct PayloadFile {
  int fd = -1;
  std::string path;  // for errors
  uint64_t offset = 0;
  uint64_t left = 0;
  SnapshotHash* hash = nullptr;  // fed every byte read, in order
};

class PayloadBuf : public std::streambuf {
 public:
  // Caller-owned bytes, never copied.
  explicit PayloadBuf(std::string_view bytes);
  // The file's payload, read through this buffer. Throws PayloadReadFailed.
  explicit PayloadBuf(PayloadFile* file);

  uint64_t remaining() const { return Window() + (file_ == nullptr ? 0 : file_->left); }
  // Whether n bytes can be taken without reading the file again: what was
  // taken before stays valid until then.
  bool Buffered(size_t n) const { return Window() >= n; }
  // The next n bytes, not consumed; n must be Buffered().
  std::string_view Peek(size_t n) const { return std::string_view(gptr(), n); }
  // The next n (<= remaining()) bytes, consumed. Throws PayloadReadFailed.
  std::string_view Take(size_t n);
  // The next n (<= remaining()) bytes, consumed, copied to out: those of a
  // file not in the window are read there directly (and hashed), not
  // through the window. Throws PayloadReadFailed.
  void TakeInto(char* out, size_t n);
  // Consumes every byte left, a piece at a time (a file's are hashed).
  void SkipRest();

 protected:
  int_type underflow() override;

 private:
  size_t Window() const { return static_cast<size_t>(egptr() - gptr()); }
  // At least n (<= remaining()) bytes in the window, as many as fit.
  void Refill(size_t n);
  // n bytes of the file at its offset into out, hashed.
  void ReadFile(char* out, size_t n);

  PayloadFile* file_ = nullptr;
  std::vector<char, HugePageAllocator<char>> buffer_;
};

// The error for a file found shorter than it was when it was opened.
Status FileGotShorter(const std::string& path);

// Up to length bytes of fd at offset into out, fewer only at the end of the
// file; EINTR retried. Throws PayloadReadFailed naming path.
size_t PreadSome(int fd, uint64_t offset, char* out, size_t length, const std::string& path);

}  // namespace ckwrap
