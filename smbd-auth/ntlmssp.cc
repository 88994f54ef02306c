#include "smbd-auth/ntlmssp.h"

#include <time.h>

#include <algorithm>
#include <cstring>

#include "common/util/utf16.h"
#include "common/wire/writer.h"

namespace cifsd::ntlmssp {

namespace {

const uint8_t kSignature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

// Windows 10 build 19041 / NTLM revision 15: what we claim in Version.
void put_version(ByteWriter& w) {
  w.u8(10);
  w.u8(0);
  w.u16(19041);
  w.zeros(3);
  w.u8(15);
}

struct Field {
  uint16_t len = 0, max = 0;
  uint32_t off = 0;
};

Field read_field(ByteReader& r) {
  Field f;
  f.len = r.u16();
  f.max = r.u16();
  f.off = r.u32();
  return f;
}

bool decode_name(Bytes b, bool unicode, std::string* out) {
  if (b.size() > kMaxNameBytes) return false;
  if (unicode) {
    if (b.size() % 2) return false;
    auto s = utf16le_to_utf8(b);
    if (!s) return false;
    *out = std::move(*s);
  } else {
    // OEM names: accept printable ASCII only rather than guess a code page.
    for (uint8_t c : b)
      if (c < 0x20 || c >= 0x7f) return false;
    out->assign(reinterpret_cast<const char*>(b.data()), b.size());
  }
  for (char c : *out)
    if (c == 0) return false;
  return true;
}

void put_av(ByteWriter& w, uint16_t id, Bytes v) {
  w.u16(id);
  w.u16(uint16_t(v.size()));
  w.bytes(v);
}
void put_av_str(ByteWriter& w, uint16_t id, const std::string& s) {
  std::vector<uint8_t> u = utf8_to_utf16le(s);
  put_av(w, id, u);
}

}  // namespace

uint32_t message_type(Bytes b) {
  ByteReader r(b);
  Bytes sig = r.bytes(8);
  uint32_t t = r.u32();
  if (!r.ok() || std::memcmp(sig.data(), kSignature, 8) != 0) return 0;
  return t;
}

bool parse_negotiate(Bytes b, Negotiate* out) {
  // Signature, type, flags; the optional domain/workstation fields are
  // informational only (and usually empty), so they are not resolved.
  ByteReader r(b);
  r.skip(8);
  uint32_t type = r.u32();
  out->flags = r.u32();
  return r.ok() && message_type(b) == kTypeNegotiate && type == kTypeNegotiate;
}

bool parse_authenticate(Bytes b, Authenticate* out) {
  if (message_type(b) != kTypeAuthenticate) return false;
  ByteReader r(b);
  r.skip(12);
  Field f[6];
  for (auto& x : f) x = read_field(r);
  out->flags = r.u32();
  if (!r.ok()) return false;
  Bytes* dst[6] = {&out->lm_response, &out->nt_response, &out->domain,
                   &out->user,        &out->workstation, &out->encrypted_session_key};
  // The payload begins at the lowest offset of a non-empty field; the fixed
  // header (64 bytes, + Version 8 + MIC 16) must end before it, and fields
  // must not overlap each other: an overlap has no legitimate use and would
  // let one field's bytes be read as another's.
  size_t payload_start = b.size();
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (int i = 0; i < 6; i++) {
    if (f[i].len == 0) { *dst[i] = {}; continue; }
    if (f[i].max < f[i].len) return false;
    if (!ByteReader::range(b, f[i].off, f[i].len, dst[i])) return false;
    if (f[i].off < 64) return false;
    payload_start = std::min<size_t>(payload_start, f[i].off);
    spans.emplace_back(f[i].off, f[i].off + f[i].len);
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); i++)
    if (spans[i].first < spans[i - 1].second) return false;
  out->has_mic_field = payload_start >= kAuthHeaderWithMic && b.size() >= kAuthHeaderWithMic;
  bool unicode = out->flags & kUnicode;
  if (!decode_name(out->user, unicode, &out->user_name) ||
      !decode_name(out->domain, unicode, &out->domain_name) ||
      !decode_name(out->workstation, unicode, &out->workstation_name))
    return false;
  if (out->encrypted_session_key.size() != 0 && out->encrypted_session_key.size() != 16)
    return false;
  return true;
}

std::vector<uint8_t> build_challenge(const ChallengeParams& p) {
  ByteWriter info;
  put_av_str(info, kAvNbDomainName, p.nb_domain);
  put_av_str(info, kAvNbComputerName, p.nb_computer);
  put_av_str(info, kAvDnsDomainName, p.dns_domain);
  put_av_str(info, kAvDnsComputerName, p.dns_computer);
  uint8_t ts[8];
  for (int i = 0; i < 8; i++) ts[i] = uint8_t(p.timestamp >> (8 * i));
  put_av(info, kAvTimestamp, Bytes(ts, 8));
  put_av(info, kAvEol, {});
  std::vector<uint8_t> target = utf8_to_utf16le(p.target_name);

  ByteWriter w;
  w.raw(kSignature, 8);
  w.u32(kTypeChallenge);
  constexpr uint32_t kHeader = 56;  // fixed part incl. Version
  w.u16(uint16_t(target.size()));
  w.u16(uint16_t(target.size()));
  w.u32(kHeader);
  w.u32(p.flags);
  w.raw(p.server_challenge.data(), 8);
  w.zeros(8);  // Reserved
  w.u16(uint16_t(info.size()));
  w.u16(uint16_t(info.size()));
  w.u32(uint32_t(kHeader + target.size()));
  put_version(w);
  w.bytes(target);
  w.bytes(info.view());
  return w.take();
}

bool parse_v2_blob(Bytes temp, V2Blob* out) {
  ByteReader r(temp);
  uint8_t resp = r.u8(), hi = r.u8();
  r.skip(6);  // Reserved1, Reserved2
  out->timestamp = r.u64();
  r.copy(out->client_challenge.data(), 8);
  r.skip(4);  // Reserved3
  if (!r.ok() || resp != 1 || hi != 1) return false;
  // AV pairs up to MsvAvEOL; trailing padding after EOL is allowed.
  for (int n = 0; n < 64; n++) {
    uint16_t id = r.u16();
    uint16_t len = r.u16();
    Bytes v = r.bytes(len);
    if (!r.ok()) return false;
    if (id == kAvEol) return true;
    if (id == kAvFlags) {
      if (len != 4) return false;
      out->av_flags = uint32_t(v[0]) | uint32_t(v[1]) << 8 | uint32_t(v[2]) << 16 |
                      uint32_t(v[3]) << 24;
      out->has_av_flags = true;
    }
  }
  return false;
}

std::vector<uint8_t> build_negotiate(uint32_t flags) {
  ByteWriter w;
  w.raw(kSignature, 8);
  w.u32(kTypeNegotiate);
  w.u32(flags);
  w.zeros(16);  // empty domain and workstation fields
  put_version(w);
  return w.take();
}

std::vector<uint8_t> build_authenticate(const AuthenticateParams& p) {
  std::vector<uint8_t> dom = utf8_to_utf16le(p.domain), usr = utf8_to_utf16le(p.user),
                       ws = utf8_to_utf16le(p.workstation);
  const std::vector<uint8_t>* parts[6] = {&p.lm_response, &p.nt_response, &dom,
                                          &usr,           &ws,            &p.encrypted_session_key};
  uint32_t off = p.with_mic ? kAuthHeaderWithMic : 64;
  ByteWriter w;
  w.raw(kSignature, 8);
  w.u32(kTypeAuthenticate);
  for (auto* v : parts) {
    w.u16(uint16_t(v->size()));
    w.u16(uint16_t(v->size()));
    w.u32(off);
    off += uint32_t(v->size());
  }
  w.u32(p.flags);
  if (p.with_mic) {
    put_version(w);
    w.zeros(16);
  }
  for (auto* v : parts) w.bytes(*v);
  return w.take();
}

uint64_t filetime_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t(ts.tv_sec) + 11644473600ull) * 10000000ull + uint64_t(ts.tv_nsec) / 100;
}

}  // namespace cifsd::ntlmssp
