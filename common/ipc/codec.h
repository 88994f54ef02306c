#pragma once
// Field codec shared by the IPC contracts: fixed-width integers, and strings
// and blobs as u32 length + bytes, each length capped by the field's maximum
// before anything is copied. Decoders are strict: finish() fails on extra bytes.
#include <array>
#include <optional>
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

namespace cifsd::ipc {

// One field list per message drives both directions: each message declares
//   template <class M, class IO> static void fields(M& m, IO& io);
// listing its fields once, in wire order, so encoder and decoder cannot drift
// apart. FieldWriter and FieldReader are the two IO implementations.
class FieldWriter {
 public:
  explicit FieldWriter(ByteWriter& w) : w_(w) {}
  void u8(uint8_t v) { w_.u8(v); }
  void u32(uint32_t v) { w_.u32(v); }
  void u64(uint64_t v) { w_.u64(v); }
  void flag(bool v) { w_.u8(v ? 1 : 0); }
  template <class E> void enum32(E v) { w_.u32(uint32_t(v)); }
  void str(const std::string& s, size_t) { put_str(w_, s); }
  void blob(const std::vector<uint8_t>& b, size_t) { put_blob(w_, {b.data(), b.size()}); }
  template <size_t N> void fixed(const std::array<uint8_t, N>& a) { w_.raw(a.data(), N); }
  // A field appended to a message after its first version: always written.
  void tail_u32(uint32_t v) { w_.u32(v); }
  void u32_list(const std::vector<uint32_t>& v, size_t) {
    w_.u32(uint32_t(v.size()));
    for (uint32_t x : v) w_.u32(x);
  }
  void str_list(const std::vector<std::string>& v, size_t, size_t) {
    w_.u32(uint32_t(v.size()));
    for (auto& s : v) put_str(w_, s);
  }

 private:
  ByteWriter& w_;
};

class FieldReader {
 public:
  explicit FieldReader(ByteReader& r) : r_(r) {}
  void u8(uint8_t& v) { v = r_.u8(); }
  void u32(uint32_t& v) { v = r_.u32(); }
  void u64(uint64_t& v) { v = r_.u64(); }
  // Booleans are exactly 0 or 1: any other byte is a malformed message.
  void flag(bool& v) {
    uint8_t b = r_.u8();
    if (b > 1) r_.fail();
    v = b == 1;
  }
  template <class E> void enum32(E& v) { v = E(r_.u32()); }
  void str(std::string& s, size_t max) { get_str(r_, max, &s); }
  void blob(std::vector<uint8_t>& b, size_t max) { get_blob(r_, max, &b); }
  template <size_t N> void fixed(std::array<uint8_t, N>& a) { r_.copy(a.data(), N); }
  // An appended field: absent in an older sender's message (then 0), so
  // adding one keeps the contract backward compatible. Only last fields.
  void tail_u32(uint32_t& v) { v = r_.at_end() ? 0 : r_.u32(); }
  void u32_list(std::vector<uint32_t>& v, size_t max) {
    uint32_t n = count(max);
    for (uint32_t i = 0; i < n && r_.ok(); i++) v.push_back(r_.u32());
  }
  void str_list(std::vector<std::string>& v, size_t max, size_t max_len) {
    uint32_t n = count(max);
    for (uint32_t i = 0; i < n && r_.ok(); i++) {
      std::string s;
      get_str(r_, max_len, &s);
      v.push_back(std::move(s));
    }
  }

 private:
  // An element count is checked against its maximum before anything is stored.
  uint32_t count(size_t max) {
    uint32_t n = r_.u32();
    if (!r_.ok() || n > max) { r_.fail(); return 0; }
    return n;
  }
  ByteReader& r_;
};

template <class M>
void write_fields(const M& m, ByteWriter& w) {
  FieldWriter io(w);
  M::fields(m, io);
}

// Strict decode: every byte consumed, nothing left over, and the message's
// own semantic validate() (where it has one) passes.
template <class M>
std::optional<M> read_fields(Bytes b) {
  ByteReader r(b);
  FieldReader io(r);
  M m;
  M::fields(m, io);
  if (!finish(r)) return std::nullopt;
  if constexpr (requires { m.validate(); }) {
    if (!m.validate()) return std::nullopt;
  }
  return m;
}

}  // namespace cifsd::ipc
