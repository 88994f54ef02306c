#include "smbd-rpc/pdu.h"

#include <cstring>

namespace cifsd::rpc {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void put_syntax(ByteWriter& w, const SyntaxId& s) {
  w.bytes({s.uuid.data(), s.uuid.size()});
  w.u16(s.major);
  w.u16(s.minor);
}

SyntaxId get_syntax(ByteReader& r) {
  SyntaxId s;
  r.copy(s.uuid.data(), s.uuid.size());
  s.major = r.u16();
  s.minor = r.u16();
  return s;
}

// Common header with our data representation: little-endian integers, ASCII,
// IEEE floats. frag_length is patched by finish().
size_t put_header(ByteWriter& w, uint8_t ptype, uint8_t flags, uint32_t call_id) {
  w.u8(5);
  w.u8(0);
  w.u8(ptype);
  w.u8(flags);
  w.u8(0x10);
  w.u8(0);
  w.u8(0);
  w.u8(0);
  size_t at = w.reserve(2);
  w.u16(0);  // auth_length: we never send verifiers
  w.u32(call_id);
  return at;
}

std::vector<uint8_t> finish(ByteWriter& w, size_t frag_at) {
  w.patch_u16(frag_at, uint16_t(w.size()));
  return w.take();
}

}  // namespace

Uuid uuid_from_string(const char* s) {
  // Text order: time_low(4) time_mid(2) time_hi(2) clock_seq(2) node(6);
  // the first three fields go little-endian on the wire.
  uint8_t text[16] = {};
  int n = 0;
  for (const char* p = s; *p && n < 32; p++) {
    if (*p == '-') continue;
    int v = hex_value(*p);
    if (v < 0) break;
    text[n / 2] = uint8_t(text[n / 2] << 4 | v);
    n++;
  }
  Uuid u{};
  const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  for (int i = 0; i < 16; i++) u[i] = text[order[i]];
  return u;
}

const SyntaxId kNdr20{uuid_from_string("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0};
const SyntaxId kNdr64{uuid_from_string("71710533-beba-4937-8319-b5dbef9ccc36"), 1, 0};

bool is_bind_time_feature_syntax(const SyntaxId& s) {
  static const Uuid prefix = uuid_from_string("6cb71c2c-9812-4540-0000-000000000000");
  return std::memcmp(s.uuid.data(), prefix.data(), 8) == 0;
}

std::optional<Header> parse_header(Bytes b) {
  ByteReader r(b);
  Header h;
  h.vers = r.u8();
  h.vers_minor = r.u8();
  h.ptype = r.u8();
  h.flags = r.u8();
  r.copy(h.drep, 4);
  if (!r.ok()) return std::nullopt;
  if (h.little_endian()) {
    h.frag_length = r.u16();
    h.auth_length = r.u16();
    h.call_id = r.u32();
  } else {
    h.frag_length = r.be16();
    h.auth_length = r.be16();
    h.call_id = r.be32();
  }
  if (!r.ok()) return std::nullopt;
  return h;
}

std::optional<BindBody> parse_bind(Bytes pdu) {
  ByteReader r(pdu);
  r.skip(kCommonHeaderSize);
  BindBody b;
  b.max_xmit_frag = r.u16();
  b.max_recv_frag = r.u16();
  b.assoc_group_id = r.u32();
  uint8_t n = r.u8();
  r.skip(3);
  if (!r.ok() || n == 0 || n > kMaxContextsPerBind) return std::nullopt;
  for (uint8_t i = 0; i < n; i++) {
    ContextElem c;
    c.context_id = r.u16();
    uint8_t nt = r.u8();
    r.skip(1);
    c.abstract = get_syntax(r);
    if (!r.ok() || nt == 0 || nt > kMaxTransfersPerContext) return std::nullopt;
    for (uint8_t t = 0; t < nt; t++) c.transfers.push_back(get_syntax(r));
    if (!r.ok()) return std::nullopt;
    b.contexts.push_back(std::move(c));
  }
  return b;
}

std::vector<uint8_t> build_bind_ack(uint8_t ptype, uint32_t call_id, uint16_t max_xmit,
                                    uint16_t max_recv, uint32_t assoc_group,
                                    std::string_view secondary_address,
                                    const std::vector<ContextResultEntry>& results) {
  ByteWriter w;
  size_t at = put_header(w, ptype, kPfcFirstFrag | kPfcLastFrag, call_id);
  w.u16(max_xmit);
  w.u16(max_recv);
  w.u32(assoc_group);
  // port_any_t: length includes the NUL; an alter_context_resp carries an
  // empty one (length 0, no bytes).
  if (secondary_address.empty()) {
    w.u16(0);
  } else {
    w.u16(uint16_t(secondary_address.size() + 1));
    w.str(secondary_address);
    w.u8(0);
  }
  w.align(4);
  w.u8(uint8_t(results.size()));
  w.u8(0);
  w.u16(0);
  for (const auto& e : results) {
    w.u16(e.result);
    w.u16(e.reason);
    put_syntax(w, e.transfer);
  }
  return finish(w, at);
}

std::vector<uint8_t> build_bind_nak(uint32_t call_id, uint16_t reason) {
  ByteWriter w;
  size_t at = put_header(w, kBindNak, kPfcFirstFrag | kPfcLastFrag, call_id);
  w.u16(reason);
  w.u8(1);  // one supported protocol version: 5.0
  w.u8(5);
  w.u8(0);
  w.align(4);
  return finish(w, at);
}

std::vector<uint8_t> build_fault(uint32_t call_id, uint16_t context_id, uint32_t status,
                                 bool did_not_execute) {
  ByteWriter w;
  uint8_t flags = kPfcFirstFrag | kPfcLastFrag | (did_not_execute ? kPfcDidNotExecute : 0);
  size_t at = put_header(w, kFault, flags, call_id);
  w.u32(0);  // alloc_hint
  w.u16(context_id);
  w.u8(0);   // cancel_count
  w.u8(0);   // flags: no extended error information
  w.u32(status);
  w.u32(0);  // reserved, pads the PDU to 8
  return finish(w, at);
}

std::vector<uint8_t> build_response(uint32_t call_id, uint16_t context_id, uint8_t flags,
                                    uint32_t alloc_hint, Bytes stub) {
  ByteWriter w;
  size_t at = put_header(w, kResponse, flags, call_id);
  w.u32(alloc_hint);
  w.u16(context_id);
  w.u8(0);
  w.u8(0);
  w.bytes(stub);
  return finish(w, at);
}

}  // namespace cifsd::rpc
