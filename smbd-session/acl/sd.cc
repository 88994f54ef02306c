// Parser and encoder of self-relative security descriptors (MS-DTYP 2.4).
#include "smbd-session/acl/sd.h"

#include <algorithm>
#include <charconv>

namespace cifsd::session::acl {

bool Sid::operator==(const Sid& o) const {
  return authority == o.authority && count == o.count &&
         std::equal(sub.begin(), sub.begin() + count, o.sub.begin());
}

std::string Sid::to_string() const {
  std::string s = "S-1-";
  // MS-DTYP 2.4.2.1: authorities >= 2^32 are written in hex.
  if (authority >> 32) {
    char buf[20];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, authority, 16);
    (void)ec;
    s += "0x";
    s.append(buf, p);
  } else {
    s += std::to_string(authority);
  }
  for (uint8_t i = 0; i < count; i++) s += "-" + std::to_string(sub[i]);
  return s;
}

Sid make_sid(uint64_t authority, std::initializer_list<uint32_t> subs) {
  Sid s;
  s.authority = authority & 0xFFFFFFFFFFFFull;
  for (uint32_t v : subs) {
    if (s.count == kMaxSubAuthorities) break;
    s.sub[s.count++] = v;
  }
  return s;
}

std::optional<Sid> parse_sid_string(std::string_view str) {
  if (str.size() < 4 || (str[0] != 'S' && str[0] != 's') || str.substr(1, 3) != "-1-") return std::nullopt;
  str.remove_prefix(4);
  Sid s;
  bool first = true;
  while (true) {
    size_t dash = str.find('-');
    std::string_view part = str.substr(0, dash);
    if (part.empty()) return std::nullopt;
    uint64_t v = 0;
    const char* b = part.data();
    const char* e = b + part.size();
    int base = 10;
    if (first && part.size() > 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) b += 2, base = 16;
    auto [p, ec] = std::from_chars(b, e, v, base);
    if (ec != std::errc() || p != e) return std::nullopt;
    if (first) {
      if (v >> 48) return std::nullopt;
      s.authority = v;
      first = false;
    } else {
      if (v > 0xFFFFFFFFull || s.count == kMaxSubAuthorities) return std::nullopt;
      s.sub[s.count++] = uint32_t(v);
    }
    if (dash == std::string_view::npos) break;
    str.remove_prefix(dash + 1);
  }
  return s;
}

bool read_sid(ByteReader& r, Sid* out) {
  uint8_t rev = r.u8();
  uint8_t n = r.u8();
  uint64_t auth = 0;
  for (int i = 0; i < 6; i++) auth = auth << 8 | r.u8();
  if (!r.ok() || rev != 1 || n > kMaxSubAuthorities) {
    r.fail();
    return false;
  }
  out->authority = auth;
  out->count = n;
  out->sub.fill(0);
  for (uint8_t i = 0; i < n; i++) out->sub[i] = r.u32();
  return r.ok();
}

void write_sid(ByteWriter& w, const Sid& s) {
  w.u8(1);
  w.u8(s.count);
  for (int i = 5; i >= 0; i--) w.u8(uint8_t(s.authority >> (8 * i)));
  for (uint8_t i = 0; i < s.count; i++) w.u32(s.sub[i]);
}

namespace {

bool is_object_type(uint8_t t) {
  return t == kAceAllowedObject || t == kAceDeniedObject || t == kAceAuditObject ||
         t == kAceAlarmObject || t == kAceAllowedCallbackObject || t == kAceDeniedCallbackObject ||
         t == kAceAuditCallbackObject || t == kAceAlarmCallbackObject;
}

// One ACE occupying exactly `body` (its AceSize bytes, header included).
bool parse_ace(Bytes body, Ace* a) {
  ByteReader r(body);
  a->type = r.u8();
  a->flags = r.u8();
  r.u16();  // AceSize, already applied by the caller
  a->mask = r.u32();
  if (!r.ok() || a->type > kAceScopedPolicyId || a->type == kAceAllowedCompound) return false;
  a->object = is_object_type(a->type);
  if (a->object) {
    // Flags (u32) then ObjectType / InheritedObjectType GUIDs as the flags
    // say (MS-DTYP 2.4.4.3). Kept opaque.
    size_t start = r.pos();
    uint32_t of = r.u32();
    if (of & ~uint32_t(3)) return false;
    if (of & 1) r.skip(16);
    if (of & 2) r.skip(16);
    if (!r.ok()) return false;
    Bytes ex = body.subspan(start, r.pos() - start);
    a->extra.assign(ex.begin(), ex.end());
  }
  if (!read_sid(r, &a->sid)) return false;
  Bytes rest = r.rest();  // application data / attribute data / padding
  a->tail.assign(rest.begin(), rest.end());
  return r.ok();
}

}  // namespace

size_t Acl::wire_size() const {
  size_t n = 8;
  for (const Ace& a : aces) n += a.wire_size();
  return n;
}

NtStatus parse_acl(Bytes buf, Acl* out) {
  ByteReader r(buf);
  uint8_t rev = r.u8();
  r.u8();  // Sbz1
  uint16_t size = r.u16();
  uint16_t count = r.u16();
  r.u16();  // Sbz2
  if (!r.ok()) return kStatusInvalidSecurityDescr;
  if (rev != kAclRevision && rev != kAclRevisionDs) return kStatusInvalidSecurityDescr;
  Bytes whole;
  if (size < 8 || !ByteReader::range(buf, 0, size, &whole)) return kStatusInvalidSecurityDescr;
  ByteReader ar(whole);
  ar.skip(8);
  out->revision = rev;
  out->aces.clear();
  // Each ACE takes at least 16 bytes (header, mask, SID with no sub-
  // authorities), so a count larger than the ACL could hold is refused
  // before any allocation.
  if (size_t(count) * 16 > size) return kStatusInvalidSecurityDescr;
  out->aces.reserve(count);
  for (uint16_t i = 0; i < count; i++) {
    size_t at = ar.pos();
    ar.skip(2);
    uint16_t ace_size = ar.u16();
    Bytes body;
    if (!ar.ok() || ace_size < 16 || (ace_size & 3) || !ByteReader::range(whole, at, ace_size, &body))
      return kStatusInvalidSecurityDescr;
    Ace a;
    if (!parse_ace(body, &a)) return kStatusInvalidSecurityDescr;
    out->aces.push_back(std::move(a));
    ar.seek(at + ace_size);
  }
  return ar.ok() ? status::kSuccess : kStatusInvalidSecurityDescr;
}

NtStatus parse_security_descriptor(Bytes buf, SecurityDescriptor* out) {
  ByteReader r(buf);
  uint8_t rev = r.u8();
  r.u8();  // Sbz1 (resource-manager control when RM_CONTROL_VALID)
  uint16_t control = r.u16();
  uint32_t off_owner = r.u32(), off_group = r.u32(), off_sacl = r.u32(), off_dacl = r.u32();
  if (!r.ok()) return status::kInvalidParameter;
  if (rev != 1) return kStatusUnknownRevision;
  *out = SecurityDescriptor{};
  out->control = control | kSelfRelative;
  auto part = [&](uint32_t off, Bytes* b) {
    return off >= kSdHeaderSize && ByteReader::range(buf, off, buf.size() - off, b);
  };
  Bytes b;
  if (off_owner) {
    if (!part(off_owner, &b)) return kStatusInvalidSecurityDescr;
    ByteReader sr(b);
    Sid s;
    if (!read_sid(sr, &s)) return kStatusInvalidSecurityDescr;
    out->owner = s;
  }
  if (off_group) {
    if (!part(off_group, &b)) return kStatusInvalidSecurityDescr;
    ByteReader sr(b);
    Sid s;
    if (!read_sid(sr, &s)) return kStatusInvalidSecurityDescr;
    out->group = s;
  }
  if ((control & kSaclPresent) && off_sacl) {
    if (!part(off_sacl, &b)) return kStatusInvalidSecurityDescr;
    Acl a;
    NtStatus s = parse_acl(b, &a);
    if (s != status::kSuccess) return s;
    out->sacl = std::move(a);
  }
  if ((control & kDaclPresent) && off_dacl) {
    if (!part(off_dacl, &b)) return kStatusInvalidSecurityDescr;
    Acl a;
    NtStatus s = parse_acl(b, &a);
    if (s != status::kSuccess) return s;
    out->dacl = std::move(a);
  }
  return status::kSuccess;
}

void write_acl(ByteWriter& w, const Acl& acl) {
  w.u8(acl.revision);
  w.u8(0);
  w.u16(uint16_t(acl.wire_size()));
  w.u16(uint16_t(acl.aces.size()));
  w.u16(0);
  for (const Ace& a : acl.aces) {
    w.u8(a.type);
    w.u8(a.flags);
    w.u16(uint16_t(a.wire_size()));
    w.u32(a.mask);
    w.bytes(a.extra);
    write_sid(w, a.sid);
    w.bytes(a.tail);
  }
}

std::vector<uint8_t> encode_security_descriptor(const SecurityDescriptor& sd, uint32_t secinfo) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  uint16_t control = sd.control | kSelfRelative;
  // The label lives in the SACL: a LABEL-only query sees just those ACEs.
  std::optional<Acl> sacl;
  bool want_sacl = secinfo & (kSecSacl | kSecLabel);
  if (want_sacl && sd.sacl) {
    sacl = sd.sacl;
    if (!(secinfo & kSecSacl)) {
      std::erase_if(sacl->aces, [](const Ace& a) { return a.type != kAceMandatoryLabel; });
      if (sacl->aces.empty()) sacl.reset();
    }
  }
  if (!(secinfo & kSecDacl)) control &= ~kDaclBits;
  if (!want_sacl) control &= ~kSaclBits;
  if (want_sacl && !sacl && !(secinfo & kSecSacl)) control &= ~kSaclBits;
  w.u8(1);
  w.u8(0);
  w.u16(control);
  size_t off_owner = w.reserve(4), off_group = w.reserve(4), off_sacl = w.reserve(4),
         off_dacl = w.reserve(4);
  if (want_sacl && sacl && (control & kSaclPresent)) {
    w.patch_u32(off_sacl, uint32_t(w.size()));
    write_acl(w, *sacl);
  }
  if ((secinfo & kSecDacl) && sd.dacl && (control & kDaclPresent)) {
    w.patch_u32(off_dacl, uint32_t(w.size()));
    write_acl(w, *sd.dacl);
  }
  if ((secinfo & kSecOwner) && sd.owner) {
    w.patch_u32(off_owner, uint32_t(w.size()));
    write_sid(w, *sd.owner);
  }
  if ((secinfo & kSecGroup) && sd.group) {
    w.patch_u32(off_group, uint32_t(w.size()));
    write_sid(w, *sd.group);
  }
  return out;
}

}  // namespace cifsd::session::acl
