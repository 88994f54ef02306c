#pragma once
// NDR 2.0 (C706 chapter 14, MS-RPCE 2.2.5) marshalling helpers for the
// little-endian, ASCII, IEEE data representation - the only one we accept.
// Alignment is relative to the start of the stub data, which is how NDR
// defines it; both classes therefore work on a buffer that starts at the stub.
// Every count read from the wire is checked against the bytes that remain
// before anything is allocated for it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::rpc {

// Upper bound on the UTF-16 units of one [string] we decode: share and
// server names are short; this keeps a lying max_count from mattering.
constexpr uint32_t kMaxNdrString = 4096;

class NdrReader {
 public:
  explicit NdrReader(Bytes stub) : r_(stub) {}

  bool ok() const { return r_.ok(); }
  void fail() { r_.fail(); }
  size_t pos() const { return r_.pos(); }
  size_t remaining() const { return r_.remaining(); }

  uint8_t u8() { return r_.u8(); }
  uint16_t u16() { r_.align(2); return r_.u16(); }
  uint32_t u32() { r_.align(4); return r_.u32(); }
  uint64_t u64() { r_.align(8); return r_.u64(); }

  // A unique or full pointer's referent id: 0 means NULL. Returns true when a
  // referent follows (in the deferred position chosen by the caller).
  bool unique_ptr() { return u32() != 0; }

  // A conformant-varying [string] wchar_t array: max_count, offset,
  // actual_count, then actual_count UTF-16 units. C706 requires
  // offset == 0 for strings and actual_count <= max_count; the last unit must
  // be the terminating NUL. Returns the text without the NUL, as UTF-8.
  std::optional<std::string> wstring();

  // A conformant array header (max_count), checked against the bytes left
  // assuming each element needs at least min_elem_size bytes.
  std::optional<uint32_t> conformance(size_t min_elem_size);

 private:
  ByteReader r_;
};

class NdrWriter {
 public:
  NdrWriter() = default;

  std::vector<uint8_t>& vec() { return w_.vec(); }
  size_t size() const { return w_.size(); }
  std::vector<uint8_t> take() { return w_.take(); }

  void u8(uint8_t v) { w_.u8(v); }
  void u16(uint16_t v) { w_.align(2); w_.u16(v); }
  void u32(uint32_t v) { w_.align(4); w_.u32(v); }
  void u64(uint64_t v) { w_.align(8); w_.u64(v); }

  // Referent ids only need to be unique and non-zero within one message;
  // the 0x00020000 base mirrors what Windows emits, which eases comparing
  // captures.
  uint32_t new_referent() { return next_referent_ += 4; }
  void null_ptr() { u32(0); }
  void ptr() { u32(new_referent()); }

  // The deferred representation of a [string] wchar_t*: max_count, offset 0,
  // actual_count (all including the terminating NUL), then the UTF-16 units.
  void wstring(std::string_view utf8);

 private:
  ByteWriter w_;
  uint32_t next_referent_ = 0x00020000;
};

}  // namespace cifsd::rpc
