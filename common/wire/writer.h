#pragma once
// Little-endian builder for replies and IPC messages. Appends to a vector it
// owns or borrows; patch_*() fill in lengths and offsets known only later.
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd {

class ByteWriter {
 public:
  ByteWriter() : buf_(&own_) {}
  explicit ByteWriter(std::vector<uint8_t>& out) : buf_(&out) {}
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  size_t size() const { return buf_->size(); }
  std::vector<uint8_t>& vec() { return *buf_; }
  Bytes view() const { return {buf_->data(), buf_->size()}; }
  std::vector<uint8_t> take() { return std::move(*buf_); }

  void u8(uint8_t v) { buf_->push_back(v); }
  void u16(uint16_t v) { uint8_t b[2] = {uint8_t(v), uint8_t(v >> 8)}; raw(b, 2); }
  void u32(uint32_t v) {
    uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    raw(b, 4);
  }
  void u64(uint64_t v) { u32(uint32_t(v)); u32(uint32_t(v >> 32)); }
  void be16(uint16_t v) { uint8_t b[2] = {uint8_t(v >> 8), uint8_t(v)}; raw(b, 2); }
  void be32(uint32_t v) {
    uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    raw(b, 4);
  }
  void bytes(Bytes b) { raw(b.data(), b.size()); }
  void str(std::string_view s) { raw(s.data(), s.size()); }
  void zeros(size_t n) { buf_->insert(buf_->end(), n, 0); }
  void align(size_t a) {
    size_t r = buf_->size() % a;
    if (r) zeros(a - r);
  }
  void raw(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    buf_->insert(buf_->end(), b, b + n);
  }
  // Reserve n bytes now, fill them later through patch_*().
  size_t reserve(size_t n) { size_t at = buf_->size(); zeros(n); return at; }
  void patch_u16(size_t at, uint16_t v) { (*buf_)[at] = uint8_t(v); (*buf_)[at + 1] = uint8_t(v >> 8); }
  void patch_u32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++) (*buf_)[at + i] = uint8_t(v >> (8 * i));
  }
  void patch_u64(size_t at, uint64_t v) { patch_u32(at, uint32_t(v)); patch_u32(at + 4, uint32_t(v >> 32)); }

 private:
  std::vector<uint8_t> own_;
  std::vector<uint8_t>* buf_;
};

}  // namespace cifsd
