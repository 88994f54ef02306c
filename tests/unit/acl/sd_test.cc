// Security descriptors: parser strictness, encoder round trips, the access
// check, inheritance and the stored-value format.
#include <cstring>
#include <vector>

#include "common/wire/writer.h"
#include "smbd-session/acl/access.h"
#include "smbd-session/acl/inherit.h"
#include "smbd-session/acl/sd.h"
#include "smbd-session/acl/store.h"

// cmocka last: its "skip"/"fail" macros would clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::session;
using namespace cifsd::session::acl;

namespace {

Ace ace(uint8_t type, uint8_t flags, uint32_t mask, const Sid& s) {
  Ace a;
  a.type = type;
  a.flags = flags;
  a.mask = mask;
  a.sid = s;
  return a;
}

SecurityDescriptor sample() {
  SecurityDescriptor sd;
  sd.control = kSelfRelative | kDaclPresent | kSaclPresent | kDaclProtected;
  sd.owner = uid_to_sid(1000);
  sd.group = gid_to_sid(100);
  Acl d;
  d.aces.push_back(ace(kAceDenied, 0, 0x2, uid_to_sid(1001)));
  d.aces.push_back(ace(kAceAllowed, kAceObjectInherit | kAceContainerInherit, kFileAllAccess, wk::everyone()));
  sd.dacl = d;
  Acl s;
  s.aces.push_back(ace(kAceAudit, kAceFailedAccess, 0x1, wk::everyone()));
  sd.sacl = s;
  return sd;
}

uint32_t rd32(const std::vector<uint8_t>& v, size_t at) {
  return uint32_t(v[at]) | uint32_t(v[at + 1]) << 8 | uint32_t(v[at + 2]) << 16 | uint32_t(v[at + 3]) << 24;
}
void wr32(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  for (int i = 0; i < 4; i++) v[at + i] = uint8_t(x >> (8 * i));
}

void test_roundtrip(void**) {
  SecurityDescriptor sd = sample();
  std::vector<uint8_t> b = encode_security_descriptor(sd);
  SecurityDescriptor back;
  assert_int_equal(parse_security_descriptor(b, &back), status::kSuccess);
  assert_true(back == sd);
  // Windows layout: SACL first, right after the header, then DACL, owner, group.
  assert_int_equal(rd32(b, 12), 20);
  assert_true(rd32(b, 16) > rd32(b, 12));
  assert_true(rd32(b, 4) > rd32(b, 16));
  assert_true(rd32(b, 8) > rd32(b, 4));
  assert_int_equal(b.size(), 20 + sd.sacl->wire_size() + sd.dacl->wire_size() + 2 * 16);
}

void test_secinfo_filter(void**) {
  SecurityDescriptor sd = sample();
  std::vector<uint8_t> b = encode_security_descriptor(sd, kSecOwner);
  SecurityDescriptor back;
  assert_int_equal(parse_security_descriptor(b, &back), status::kSuccess);
  assert_true(back.owner.has_value());
  assert_false(back.group.has_value());
  assert_false(back.dacl.has_value());
  assert_int_equal(back.control & (kDaclBits | kSaclBits), 0);
  assert_int_equal(b.size(), 20 + 16);
  b = encode_security_descriptor(sd, kSecDacl);
  assert_int_equal(parse_security_descriptor(b, &back), status::kSuccess);
  assert_true(back.dacl == sd.dacl);
  assert_true(back.control & kDaclProtected);
  assert_false(back.owner.has_value());
}

void test_null_dacl(void**) {
  SecurityDescriptor sd;
  sd.control = kSelfRelative | kDaclPresent;
  std::vector<uint8_t> b = encode_security_descriptor(sd);
  assert_int_equal(rd32(b, 16), 0);
  SecurityDescriptor back;
  assert_int_equal(parse_security_descriptor(b, &back), status::kSuccess);
  assert_true(back.null_dacl());
  Token t;
  t.sids = {uid_to_sid(5)};
  assert_int_equal(granted_access(back, t), kFileAllAccess);
}

void test_malformed(void**) {
  std::vector<uint8_t> good = encode_security_descriptor(sample());
  SecurityDescriptor out;
  // Short header.
  assert_int_equal(parse_security_descriptor(Bytes(good.data(), 19), &out), status::kInvalidParameter);
  // Revision.
  auto b = good;
  b[0] = 2;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusUnknownRevision);
  // Owner offset past the end / inside the header / truncating the SID.
  b = good;
  wr32(b, 4, uint32_t(b.size()));
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  b = good;
  wr32(b, 4, 8);
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  b = good;
  wr32(b, 8, uint32_t(b.size() - 8));
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  b = good;
  wr32(b, 4, 0xFFFFFFF0u);
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  // 16 sub-authorities.
  b = good;
  b[rd32(b, 4) + 1] = 16;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  // SID revision.
  b = good;
  b[rd32(b, 8)] = 2;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  size_t dacl = rd32(good, 16);
  // ACL revision, size larger than the buffer, size < 8, count too big.
  b = good;
  b[dacl] = 3;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  b = good;
  b[dacl + 2] = 0xFF;
  b[dacl + 3] = 0x7F;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  b = good;
  b[dacl + 2] = 4;
  b[dacl + 3] = 0;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  b = good;
  b[dacl + 4] = 3;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  // ACE size below the minimum, unaligned, past the ACL.
  b = good;
  b[dacl + 8 + 2] = 12;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  b = good;
  b[dacl + 8 + 2] = 25;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  b = good;
  b[dacl + 8 + 2] = 0xF0;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  // Unknown ACE type.
  b = good;
  b[dacl + 8] = 0x20;
  assert_int_equal(parse_security_descriptor(b, &out), kStatusInvalidSecurityDescr);
  // A DACL offset without DACL_PRESENT is ignored, even if bogus.
  b = good;
  b[2] &= uint8_t(~kDaclPresent);
  wr32(b, 16, 0xFFFF);
  assert_int_equal(parse_security_descriptor(b, &out), status::kSuccess);
  assert_false(out.dacl.has_value());
}

void test_object_ace_opaque(void**) {
  // ACCESS_ALLOWED_OBJECT_ACE with ObjectType present, built by hand.
  std::vector<uint8_t> acl;
  ByteWriter w(acl);
  w.u8(2); w.u8(0); w.u16(8 + 8 + 4 + 16 + 12); w.u16(1); w.u16(0);
  w.u8(kAceAllowedObject); w.u8(0); w.u16(8 + 4 + 16 + 12); w.u32(0x100);
  w.u32(1);
  for (int i = 0; i < 16; i++) w.u8(uint8_t(i));
  write_sid(w, wk::everyone());
  Acl a;
  assert_int_equal(parse_acl(acl, &a), status::kSuccess);
  assert_int_equal(a.aces.size(), 1);
  assert_true(a.aces[0].object);
  assert_int_equal(a.aces[0].extra.size(), 20);
  std::vector<uint8_t> again;
  ByteWriter w2(again);
  write_acl(w2, a);
  assert_true(again == acl);
  // Object flags with unknown bits are refused.
  acl[8 + 8] = 4;
  assert_int_equal(parse_acl(acl, &a), kStatusInvalidSecurityDescr);
  // An object ACE is ignored by the access check.
  SecurityDescriptor sd;
  sd.control = kDaclPresent;
  acl[8 + 8] = 1;
  assert_int_equal(parse_acl(acl, &a), status::kSuccess);
  sd.dacl = a;
  Token t;
  t.sids = {wk::everyone()};
  assert_int_equal(granted_access(sd, t), 0);
}

void test_sid_strings(void**) {
  assert_string_equal(wk::administrators().to_string().c_str(), "S-1-5-32-544");
  assert_string_equal(uid_to_sid(1000).to_string().c_str(), "S-1-22-1-1000");
  auto s = parse_sid_string("S-1-5-21-1-2-3-500");
  assert_true(s.has_value());
  assert_int_equal(s->count, 5);
  assert_int_equal(s->rid(), 500);
  assert_true(parse_sid_string(s->to_string()) == s);
  assert_false(parse_sid_string("S-1-").has_value());
  assert_false(parse_sid_string("S-1-5--1").has_value());
  assert_false(parse_sid_string("S-2-5").has_value());
  assert_false(parse_sid_string("S-1-5-4294967296").has_value());
  assert_false(parse_sid_string("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16").has_value());
  assert_true(parse_sid_string("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15").has_value());
  auto big = parse_sid_string("S-1-0x123456789ABC-1");
  assert_true(big.has_value());
  assert_string_equal(big->to_string().c_str(), "S-1-0x123456789abc-1");
  assert_int_equal(*sid_to_uid(uid_to_sid(42)), 42);
  assert_false(sid_to_uid(gid_to_sid(42)).has_value());
  assert_int_equal(*sid_to_gid(gid_to_sid(7)), 7);
}

void test_access_order(void**) {
  ipc::auth::Identity id;
  id.uid = 1000;
  id.gid = 100;
  id.groups = {100, 200};
  Token t = make_token(id);
  assert_true(t.has(gid_to_sid(200)));
  assert_true(t.has(wk::authenticated_users()));
  SecurityDescriptor sd;
  sd.control = kDaclPresent;
  sd.owner = uid_to_sid(1);
  Acl d;
  d.aces.push_back(ace(kAceDenied, 0, 0x2, gid_to_sid(200)));
  d.aces.push_back(ace(kAceAllowed, 0, kGenericRead | kGenericWrite, wk::everyone()));
  d.aces.push_back(ace(kAceAllowed, kAceInheritOnly, kFileAllAccess, t.user));
  sd.dacl = d;
  uint32_t g = granted_access(sd, t);
  assert_int_equal(g, (kFileGenericRead | kFileGenericWrite) & ~uint32_t(0x2));
  // Allow first, deny after: the allow wins.
  std::swap(sd.dacl->aces[0], sd.dacl->aces[1]);
  assert_int_equal(granted_access(sd, t), kFileGenericRead | kFileGenericWrite);
  // The owner gets READ_CONTROL | WRITE_DAC implicitly...
  sd.dacl->aces.clear();
  assert_int_equal(granted_access(sd, t), 0);
  sd.owner = t.user;
  assert_int_equal(granted_access(sd, t), kReadControl | kWriteDac);
  // ...unless OWNER RIGHTS says otherwise.
  sd.dacl->aces.push_back(ace(kAceAllowed, 0, 0x1, wk::owner_rights()));
  assert_int_equal(granted_access(sd, t), 0x1);
  // Anonymous is not an authenticated user.
  id.anonymous = true;
  Token a = make_token(id);
  assert_false(a.has(wk::authenticated_users()));
  assert_true(a.has(wk::anonymous()));
}

void test_inherit_flags(void**) {
  Sid owner = uid_to_sid(1), group = gid_to_sid(2), x = uid_to_sid(9);
  Acl p;
  p.aces.push_back(ace(kAceAllowed, kAceObjectInherit, 0x1, x));
  p.aces.push_back(ace(kAceAllowed, kAceContainerInherit, 0x2, x));
  p.aces.push_back(ace(kAceAllowed, kAceObjectInherit | kAceContainerInherit | kAceNoPropagate, 0x4, x));
  p.aces.push_back(ace(kAceAllowed, 0, 0x8, x));
  p.aces.push_back(ace(kAceAllowed, kAceObjectInherit | kAceInheritOnly, 0x10, x));
  Acl f = inherit_acl(p, false, owner, group);
  assert_int_equal(f.aces.size(), 3);
  assert_int_equal(f.aces[0].mask, 0x1);
  assert_int_equal(f.aces[0].flags, kAceInherited);
  assert_int_equal(f.aces[1].mask, 0x4);
  assert_int_equal(f.aces[1].flags, kAceInherited);
  assert_int_equal(f.aces[2].mask, 0x10);
  assert_int_equal(f.aces[2].flags, kAceInherited);
  Acl d = inherit_acl(p, true, owner, group);
  assert_int_equal(d.aces.size(), 4);
  assert_int_equal(d.aces[0].flags, kAceObjectInherit | kAceInheritOnly | kAceInherited);
  assert_int_equal(d.aces[1].flags, kAceContainerInherit | kAceInherited);
  assert_int_equal(d.aces[2].flags, kAceInherited);  // no-propagate: effective only
  assert_int_equal(d.aces[3].flags, kAceObjectInherit | kAceInheritOnly | kAceInherited);
}

void test_inherit_creator(void**) {
  Sid owner = uid_to_sid(1), group = gid_to_sid(2);
  Acl p;
  p.aces.push_back(ace(kAceAllowed, kAceObjectInherit | kAceContainerInherit, kGenericAll, wk::creator_owner()));
  p.aces.push_back(ace(kAceAllowed, kAceContainerInherit, kGenericRead, wk::creator_group()));
  Acl f = inherit_acl(p, false, owner, group);
  assert_int_equal(f.aces.size(), 1);
  assert_true(f.aces[0].sid == owner);
  assert_int_equal(f.aces[0].mask, kFileAllAccess);
  Acl d = inherit_acl(p, true, owner, group);
  assert_int_equal(d.aces.size(), 4);
  assert_true(d.aces[0].sid == owner);
  assert_int_equal(d.aces[0].flags, kAceInherited);
  assert_true(d.aces[1].sid == wk::creator_owner());
  assert_int_equal(d.aces[1].mask, kGenericAll);
  assert_int_equal(d.aces[1].flags,
                   kAceObjectInherit | kAceContainerInherit | kAceInheritOnly | kAceInherited);
  assert_true(d.aces[2].sid == group);
  assert_int_equal(d.aces[2].mask, kFileGenericRead);
}

void test_create_descriptor(void**) {
  SecurityDescriptor parent;
  parent.control = kDaclPresent | kDaclAutoInherited;
  parent.dacl = Acl{};
  parent.dacl->aces.push_back(ace(kAceAllowed, kAceObjectInherit, 0x1, wk::everyone()));
  CreateInput in;
  in.parent = &parent;
  in.owner = uid_to_sid(1);
  in.group = gid_to_sid(2);
  bool worth = false;
  SecurityDescriptor sd = create_descriptor(in, &worth);
  assert_true(worth);
  assert_true(sd.control & kDaclAutoInherited);
  assert_int_equal(sd.dacl->aces.size(), 1);
  // An explicit unprotected DACL gets the inherited ACEs appended...
  SecurityDescriptor creator;
  creator.control = kDaclPresent;
  creator.dacl = Acl{};
  creator.dacl->aces.push_back(ace(kAceDenied, 0, 0x2, wk::everyone()));
  in.creator = &creator;
  sd = create_descriptor(in, &worth);
  assert_int_equal(sd.dacl->aces.size(), 2);
  assert_int_equal(sd.dacl->aces[0].type, kAceDenied);
  // ...a protected one does not.
  creator.control |= kDaclProtected;
  sd = create_descriptor(in, &worth);
  assert_int_equal(sd.dacl->aces.size(), 1);
  assert_true(sd.control & kDaclProtected);
  // Nothing inheritable and no creator: nothing to store.
  parent.dacl->aces[0].flags = 0;
  in.creator = nullptr;
  sd = create_descriptor(in, &worth);
  assert_false(worth);
  assert_false(sd.control & kDaclPresent);
}

void test_stored_value(void**) {
  SecurityDescriptor sd = sample();
  std::vector<uint8_t> v = encode_stored(sd, S_IFREG | 0640);
  assert_int_equal(v[0], kStoreVersion);
  auto back = decode_stored(v, S_IFREG | 0640);
  assert_true(back.has_value());
  assert_true(*back == sd);
  assert_false(decode_stored(v, S_IFREG | 0644).has_value());  // chmod'ed outside: stale
  v[0] = 9;
  assert_false(decode_stored(v, S_IFREG | 0640).has_value());
  assert_false(decode_stored(Bytes(v.data(), 3), S_IFREG | 0640).has_value());
}

void test_mode_mapping(void**) {
  SecurityDescriptor syn = synthesize(1000, 100, 0750, true);
  Token owner;
  owner.sids = {uid_to_sid(1000)};
  uint32_t g = granted_access(syn, owner);
  assert_true(g & kWriteDac);
  assert_true(g & 0x40);  // DELETE_CHILD on a writable directory
  assert_int_equal(mode_from_descriptor(syn, S_IFDIR | 0750, 100, true) & 0777, 0750);
  SecurityDescriptor sd;
  sd.control = kDaclPresent;
  sd.dacl = Acl{};
  sd.dacl->aces.push_back(ace(kAceAllowed, 0, kFileGenericRead, wk::everyone()));
  sd.dacl->aces.push_back(ace(kAceAllowed, 0, kFileGenericWrite, gid_to_sid(100)));
  // Owner keeps rw; group r+w; other r.
  assert_int_equal(mode_from_descriptor(sd, S_IFREG | 01000, 100, false) & 07777, 01664);
  sd.dacl->aces.insert(sd.dacl->aces.begin(), ace(kAceDenied, 0, 0x1, wk::everyone()));
  assert_int_equal(mode_from_descriptor(sd, S_IFREG, 100, false) & 0777, 0620);
  SecurityDescriptor nul;
  nul.control = kDaclPresent;
  assert_int_equal(mode_from_descriptor(nul, S_IFDIR, 1, true) & 0777, 0777);
  // Files: x is never added, only taken away.
  assert_int_equal(mode_from_descriptor(nul, S_IFREG | 0600, 1, false) & 0777, 0666);
  assert_int_equal(mode_from_descriptor(nul, S_IFREG | 0700, 1, false) & 0777, 0766);
  SecurityDescriptor ro;
  ro.control = kDaclPresent;
  ro.dacl = Acl{};
  ro.dacl->aces.push_back(ace(kAceAllowed, 0, 0x1, wk::everyone()));
  assert_int_equal(mode_from_descriptor(ro, S_IFREG | 0755, 1, false) & 0777, 0644);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),       cmocka_unit_test(test_secinfo_filter),
      cmocka_unit_test(test_null_dacl),       cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_object_ace_opaque), cmocka_unit_test(test_sid_strings),
      cmocka_unit_test(test_access_order),    cmocka_unit_test(test_inherit_flags),
      cmocka_unit_test(test_inherit_creator), cmocka_unit_test(test_create_descriptor),
      cmocka_unit_test(test_stored_value),    cmocka_unit_test(test_mode_mapping),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
