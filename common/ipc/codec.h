#pragma once
// Field codec shared by the IPC contracts: fixed-width integers, and strings
// and blobs as u32 length + bytes, each length capped by the field's maximum
// before anything is copied. Decoders are strict: finish() fails on extra bytes.
#include <string>
#include <vector>

#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::ipc {

inline void put_blob(ByteWriter& w, Bytes b) {
  w.u32(uint32_t(b.size()));
  w.bytes(b);
}
inline void put_str(ByteWriter& w, std::string_view s) {
  w.u32(uint32_t(s.size()));
  w.str(s);
}
inline bool get_blob(ByteReader& r, size_t max, std::vector<uint8_t>* out) {
  uint32_t n = r.u32();
  if (!r.ok() || n > max) { r.fail(); return false; }
  Bytes b = r.bytes(n);
  if (!r.ok()) return false;
  out->assign(b.begin(), b.end());
  return true;
}
// Strings carry no NUL bytes: a NUL would let a peer smuggle a shorter name
// past a check done on the longer one.
inline bool get_str(ByteReader& r, size_t max, std::string* out) {
  uint32_t n = r.u32();
  if (!r.ok() || n > max) { r.fail(); return false; }
  Bytes b = r.bytes(n);
  if (!r.ok()) return false;
  for (uint8_t c : b)
    if (c == 0) { r.fail(); return false; }
  out->assign(reinterpret_cast<const char*>(b.data()), b.size());
  return true;
}
inline bool finish(const ByteReader& r) { return r.ok() && r.at_end(); }

}  // namespace cifsd::ipc
