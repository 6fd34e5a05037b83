// Fixed-width little-endian fields, the one encoding of every multi-byte
// number in the checkpoint and journal files (man/ckwrap-checkpoint.5),
// whatever the byte order of the host. After leveldb's util/coding.h.
//
// Written byte by byte rather than with memcpy of a host integer: the files
// move between machines, and compilers turn these loops into one load or store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ckwrap {

// The low width bytes of value, least significant first, at dst[0, width).
inline void EncodeFixed(char* dst, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) dst[i] = static_cast<char>(value >> (8 * i));
}

inline void EncodeFixed32(char* dst, uint32_t value) { EncodeFixed(dst, value, 4); }
inline void EncodeFixed64(char* dst, uint64_t value) { EncodeFixed(dst, value, 8); }

inline void PutFixed32(std::string* dst, uint32_t value) {
  char buf[4];
  EncodeFixed32(buf, value);
  dst->append(buf, sizeof buf);
}

inline void PutFixed64(std::string* dst, uint64_t value) {
  char buf[8];
  EncodeFixed64(buf, value);
  dst->append(buf, sizeof buf);
}

// The number in src[0, width), least significant byte first.
inline uint64_t DecodeFixed(const char* src, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= uint64_t{static_cast<unsigned char>(src[i])} << (8 * i);
  }
  return value;
}

inline uint32_t DecodeFixed32(const char* src) {
  return static_cast<uint32_t>(DecodeFixed(src, 4));
}
inline uint64_t DecodeFixed64(const char* src) { return DecodeFixed(src, 8); }

}  // namespace ckwrap
