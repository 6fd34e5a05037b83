#include "store/payload_buf.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ckwrap {
namespace {

// One huge page: one page fault for the whole buffer.
constexpr size_t kPieceBytes = size_t{2} << 20;

}  // namespace

PayloadBuf::PayloadBuf(std::string_view bytes) {
  char* begin = const_cast<char*>(bytes.data());  // never written: get area only
  setg(begin, begin, begin + bytes.size());
}

PayloadBuf::PayloadBuf(PayloadFile* file) : file_(file) { setg(nullptr, nullptr, nullptr); }

std::string_view PayloadBuf::Take(size_t n) {
  if (!Buffered(n)) Refill(n);
  std::string_view taken(gptr(), n);
  setg(eback(), gptr() + n, egptr());
  return taken;
}

void PayloadBuf::TakeInto(char* out, size_t n) {
  const size_t buffered = std::min(n, Window());
  std::memcpy(out, Take(buffered).data(), buffered);
  if (buffered == n) return;
  if (n - buffered > remaining()) {
    throw std::logic_error("payload: took more bytes than are left");  // callers check first
  }
  ReadFile(out + buffered, n - buffered);
}

void PayloadBuf::SkipRest() {
  while (remaining() > 0) Take(static_cast<size_t>(std::min<uint64_t>(remaining(), kPieceBytes)));
}

PayloadBuf::int_type PayloadBuf::underflow() {
  if (remaining() == 0) return traits_type::eof();
  Refill(1);
  return traits_type::to_int_type(*gptr());
}

void PayloadBuf::Refill(size_t n) {
  if (file_ == nullptr || n > remaining()) {
    throw std::logic_error("payload: took more bytes than are left");  // callers check first
  }
  // What is left of the window moves to the front; the buffer grows past a
  // piece only for one string longer than that.
  const size_t kept = Window();
  const size_t size = std::max(n, kPieceBytes);
  if (buffer_.size() < size) {
    std::vector<char, HugePageAllocator<char>> bigger(size);
    if (kept > 0) std::memcpy(bigger.data(), gptr(), kept);
    buffer_.swap(bigger);
  } else if (kept > 0) {
    std::memmove(buffer_.data(), gptr(), kept);
  }
  const size_t fill = kept + static_cast<size_t>(std::min<uint64_t>(size - kept, file_->left));
  ReadFile(buffer_.data() + kept, fill - kept);
  setg(buffer_.data(), buffer_.data(), buffer_.data() + fill);
}

void PayloadBuf::ReadFile(char* out, size_t n) {
  for (size_t have = 0; have < n;) {
    const size_t got = PreadSome(file_->fd, file_->offset, out + have, n - have, file_->path);
    if (got == 0) {
      throw PayloadReadFailed{FileGotShorter(file_->path)};
    }
    file_->hash->Add(std::string_view(out + have, got));
    file_->offset += got;
    file_->left -= got;
    have += got;
  }
}

Status FileGotShorter(const std::string& path) {
  return Status::IoError("read " + path + ": the file got shorter while it was read");
}

size_t PreadSome(int fd, uint64_t offset, char* out, size_t length, const std::string& path) {
  for (;;) {
    const ssize_t n = ::pread(fd, out, length, static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw PayloadReadFailed{Status::FromErrno("read", path, errno)};
  }
}

}  // namespace ckwrap
