#pragma once
// The one bounds-checked reader every parser of untrusted bytes goes through.
// A read past the end never touches memory: it returns zero/empty and marks the
// reader failed (sticky), so a parser can read a whole structure and check ok()
// once. No exceptions: callers turn !ok() into an NTSTATUS or a protocol error.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace cifsd {

using Bytes = std::span<const uint8_t>;
using MutBytes = std::span<uint8_t>;

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(Bytes data) : data_(data) {}

  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  size_t pos() const { return pos_; }
  size_t size() const { return data_.size(); }
  size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  bool at_end() const { return ok_ && pos_ == data_.size(); }
  Bytes whole() const { return data_; }

  uint8_t u8() { uint8_t v = 0; copy(&v, 1); return v; }
  uint16_t u16() { uint8_t b[2] = {}; copy(b, 2); return uint16_t(b[0] | b[1] << 8); }
  uint32_t u32() {
    uint8_t b[4] = {};
    copy(b, 4);
    return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
  }
  uint64_t u64() { uint64_t lo = u32(); uint64_t hi = u32(); return lo | hi << 32; }
  uint16_t be16() { uint8_t b[2] = {}; copy(b, 2); return uint16_t(b[0] << 8 | b[1]); }
  uint32_t be32() {
    uint8_t b[4] = {};
    copy(b, 4);
    return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | uint32_t(b[3]);
  }

  // A view of the next n bytes (empty and failed if fewer remain).
  Bytes bytes(size_t n) {
    if (!ok_ || n > data_.size() - pos_) { ok_ = false; return {}; }
    Bytes v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  Bytes rest() { return bytes(remaining()); }
  void skip(size_t n) { (void)bytes(n); }
  // Absolute positioning, checked against the buffer.
  void seek(size_t off) {
    if (!ok_ || off > data_.size()) { ok_ = false; return; }
    pos_ = off;
  }
  void align(size_t a) {
    size_t r = pos_ % a;
    if (r) skip(a - r);
  }
  // Fixed-size copy into a caller's array.
  void copy(void* dst, size_t n) {
    Bytes v = bytes(n);
    if (ok_) std::memcpy(dst, v.data(), n);
    else std::memset(dst, 0, n);
  }
  // A sub-range [off, off+len) of the whole buffer, with wrap-safe checks.
  // This is how every (Offset, Length) pair from the wire is resolved.
  static bool range(Bytes whole, uint64_t off, uint64_t len, Bytes* out) {
    if (off > whole.size() || len > whole.size() - off) return false;
    *out = whole.subspan(size_t(off), size_t(len));
    return true;
  }
  bool range(uint64_t off, uint64_t len, Bytes* out) const { return range(data_, off, len, out); }

 private:
  Bytes data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

inline std::string_view as_chars(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace cifsd
