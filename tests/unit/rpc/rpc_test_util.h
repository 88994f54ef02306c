#pragma once
// Builders for hand-made DCE/RPC PDUs and a driver that runs them through a
// Pipe, shared by the rpc unit tests. Independent of the server's builders
// on purpose: the tests spell out the wire layout themselves.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/util/utf16.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"
#include "smbd-rpc/pipe.h"

namespace rpctest {

using cifsd::ByteReader;
using cifsd::ByteWriter;
using cifsd::Bytes;

inline const char* kTestConfig =
    "[global]\n"
    "\tnetbios name = TESTBOX\n"
    "\tworkgroup = TESTGROUP\n"
    "\tserver string = test server\n"
    "[data]\n"
    "\tpath = /srv/data\n"
    "\tcomment = Data share\n"
    "[hidden$]\n"
    "\tpath = /srv/hidden\n"
    "[nobrowse]\n"
    "\tpath = /srv/nobrowse\n"
    "\tbrowseable = no\n";

inline std::shared_ptr<const cifsd::Config> test_config(const char* text = kTestConfig) {
  cifsd::ConfigResult r = cifsd::parse_config_text(text, "test");
  if (!r.config) return nullptr;
  return std::make_shared<const cifsd::Config>(std::move(*r.config));
}

// Wire form of a UUID string (first three fields little-endian).
inline std::vector<uint8_t> uuid(const char* s) {
  uint8_t t[16] = {};
  int n = 0;
  for (const char* p = s; *p && n < 32; p++) {
    if (*p == '-') continue;
    int v = (*p >= '0' && *p <= '9') ? *p - '0' : (*p | 0x20) - 'a' + 10;
    t[n / 2] = uint8_t(t[n / 2] << 4 | v);
    n++;
  }
  const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  std::vector<uint8_t> u(16);
  for (int i = 0; i < 16; i++) u[i] = t[order[i]];
  return u;
}

constexpr const char* kSrvsvc = "4b324fc8-1670-01d3-1278-5a47bf6ee188";
constexpr const char* kWkssvc = "6bffd098-a112-3610-9833-46c3f87e345a";
constexpr const char* kLsarpc = "12345778-1234-abcd-ef00-0123456789ab";
constexpr const char* kNdr20 = "8a885d04-1ceb-11c9-9fe8-08002b104860";
constexpr const char* kNdr64 = "71710533-beba-4937-8319-b5dbef9ccc36";
constexpr const char* kBtfn = "6cb71c2c-9812-4540-0300-000000000000";

struct Ctx {
  uint16_t id;
  const char* abstract;
  uint16_t major, minor;
  std::vector<const char*> transfers;  // each version: NDR20 2.0, others 1.0
};

inline void header(ByteWriter& w, uint8_t ptype, uint8_t flags, uint32_t call_id,
                   uint16_t auth_length = 0) {
  w.u8(5); w.u8(0); w.u8(ptype); w.u8(flags);
  w.u8(0x10); w.u8(0); w.u8(0); w.u8(0);
  w.u16(0);  // frag_length, patched
  w.u16(auth_length);
  w.u32(call_id);
}
inline std::vector<uint8_t> done(ByteWriter& w) {
  w.patch_u16(8, uint16_t(w.size()));
  return w.take();
}

inline std::vector<uint8_t> bind(uint32_t call_id, const std::vector<Ctx>& ctxs,
                                 uint8_t ptype = 11, uint16_t max_xmit = 4280,
                                 uint16_t max_recv = 4280) {
  ByteWriter w;
  header(w, ptype, 3, call_id);
  w.u16(max_xmit);
  w.u16(max_recv);
  w.u32(0);
  w.u8(uint8_t(ctxs.size())); w.u8(0); w.u16(0);
  for (const auto& c : ctxs) {
    w.u16(c.id);
    w.u8(uint8_t(c.transfers.size())); w.u8(0);
    auto a = uuid(c.abstract);
    w.bytes({a.data(), a.size()});
    w.u16(c.major); w.u16(c.minor);
    for (const char* t : c.transfers) {
      auto u = uuid(t);
      w.bytes({u.data(), u.size()});
      w.u16(std::string(t) == kNdr20 ? 2 : 1);
      w.u16(0);
    }
  }
  return done(w);
}

inline std::vector<uint8_t> request(uint32_t call_id, uint16_t ctx, uint16_t opnum, Bytes stub,
                                    uint8_t flags = 3, uint32_t alloc_hint = 0) {
  ByteWriter w;
  header(w, 0, flags, call_id);
  w.u32(alloc_hint ? alloc_hint : uint32_t(stub.size()));
  w.u16(ctx);
  w.u16(opnum);
  w.bytes(stub);
  return done(w);
}

// Drains every queued message of the pipe.
inline std::vector<std::vector<uint8_t>> drain(cifsd::rpc::Pipe& p) {
  std::vector<std::vector<uint8_t>> msgs;
  std::vector<uint8_t> m;
  while (p.read(65536, &m) == cifsd::status::kSuccess) msgs.push_back(m);
  return msgs;
}

// NDR stub writer for requests (little-endian, 4-aligned u32s).
struct Stub {
  ByteWriter w;
  uint32_t ref = 0x00020000;
  void u32(uint32_t v) { w.align(4); w.u32(v); }
  void ptr() { u32(ref += 4); }
  void wstr(const std::string& s) {
    auto u = cifsd::utf8_to_utf16le(s);
    uint32_t n = uint32_t(u.size() / 2 + 1);
    u32(n); u32(0); u32(n);
    w.bytes({u.data(), u.size()});
    w.u16(0);
  }
  std::vector<uint8_t> take() { return w.take(); }
};

// Response stub of a call's fragments: checks each is a response with the
// call id and concatenates the stubs. Empty with *ok=false on mismatch.
inline std::vector<uint8_t> response_stub(const std::vector<std::vector<uint8_t>>& msgs,
                                          uint32_t call_id, bool* ok) {
  std::vector<uint8_t> stub;
  *ok = !msgs.empty();
  for (size_t i = 0; i < msgs.size() && *ok; i++) {
    ByteReader r({msgs[i].data(), msgs[i].size()});
    uint8_t vers = r.u8(); r.u8();
    uint8_t ptype = r.u8();
    uint8_t flags = r.u8();
    r.skip(4);
    uint16_t frag = r.u16();
    r.u16();
    uint32_t cid = r.u32();
    r.u32(); r.u16(); r.u16();
    bool first = flags & 1, last = flags & 2;
    if (!r.ok() || vers != 5 || ptype != 2 || cid != call_id || frag != msgs[i].size() ||
        first != (i == 0) || last != (i + 1 == msgs.size())) {
      *ok = false;
      break;
    }
    Bytes b = r.rest();
    stub.insert(stub.end(), b.begin(), b.end());
  }
  return stub;
}

// NDR reading in tests: aligned u32 and [string] wchar_t.
struct StubReader {
  ByteReader r;
  explicit StubReader(const std::vector<uint8_t>& v) : r({v.data(), v.size()}) {}
  uint32_t u32() { r.align(4); return r.u32(); }
  std::string wstr() {
    uint32_t max = u32(), off = u32(), act = u32();
    if (off != 0 || act > max || act == 0) { r.fail(); return {}; }
    Bytes b = r.bytes(size_t(act) * 2);
    if (!r.ok()) return {};
    auto s = cifsd::utf16le_to_utf8(b.first(b.size() - 2));
    return s ? *s : std::string("<bad>");
  }
};

}  // namespace rpctest
