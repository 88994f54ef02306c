#pragma once
// NT security descriptors (MS-DTYP 2.4): SIDs, ACEs, ACLs and the
// self-relative SECURITY_DESCRIPTOR, with a strict parser (every offset and
// count goes through ByteReader) and an encoder. Pure: no I/O, fuzzed by
// tests/fuzz/security_descriptor_fuzz.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::session::acl {

// Statuses Windows uses for security descriptors (not in ntstatus.h).
constexpr NtStatus kStatusUnknownRevision = 0xC0000058;
constexpr NtStatus kStatusInvalidOwner = 0xC000005A;
constexpr NtStatus kStatusInvalidPrimaryGroup = 0xC000005B;
constexpr NtStatus kStatusInvalidAcl = 0xC0000077;
constexpr NtStatus kStatusInvalidSid = 0xC0000078;
constexpr NtStatus kStatusInvalidSecurityDescr = 0xC0000079;

// SECURITY_INFORMATION bits (MS-DTYP 2.4.7), AdditionalInformation of
// QUERY_INFO / SET_INFO.
constexpr uint32_t kSecOwner = 0x1, kSecGroup = 0x2, kSecDacl = 0x4, kSecSacl = 0x8,
                   kSecLabel = 0x10, kSecAttribute = 0x20, kSecScope = 0x40,
                   kSecBackup = 0x10000;

// SECURITY_DESCRIPTOR Control bits (MS-DTYP 2.4.6).
constexpr uint16_t kOwnerDefaulted = 0x0001, kGroupDefaulted = 0x0002, kDaclPresent = 0x0004,
                   kDaclDefaulted = 0x0008, kSaclPresent = 0x0010, kSaclDefaulted = 0x0020,
                   kDaclTrusted = 0x0040, kServerSecurity = 0x0080,
                   kDaclAutoInheritReq = 0x0100, kSaclAutoInheritReq = 0x0200,
                   kDaclAutoInherited = 0x0400, kSaclAutoInherited = 0x0800,
                   kDaclProtected = 0x1000, kSaclProtected = 0x2000, kRmControlValid = 0x4000,
                   kSelfRelative = 0x8000;
constexpr uint16_t kDaclBits = kDaclPresent | kDaclDefaulted | kDaclAutoInheritReq |
                               kDaclAutoInherited | kDaclProtected;
constexpr uint16_t kSaclBits = kSaclPresent | kSaclDefaulted | kSaclAutoInheritReq |
                               kSaclAutoInherited | kSaclProtected;

// ACE types (MS-DTYP 2.4.4.1) and flags.
enum : uint8_t {
  kAceAllowed = 0x00, kAceDenied = 0x01, kAceAudit = 0x02, kAceAlarm = 0x03,
  kAceAllowedCompound = 0x04, kAceAllowedObject = 0x05, kAceDeniedObject = 0x06,
  kAceAuditObject = 0x07, kAceAlarmObject = 0x08, kAceAllowedCallback = 0x09,
  kAceDeniedCallback = 0x0A, kAceAllowedCallbackObject = 0x0B, kAceDeniedCallbackObject = 0x0C,
  kAceAuditCallback = 0x0D, kAceAlarmCallback = 0x0E, kAceAuditCallbackObject = 0x0F,
  kAceAlarmCallbackObject = 0x10, kAceMandatoryLabel = 0x11, kAceResourceAttribute = 0x12,
  kAceScopedPolicyId = 0x13,
};
constexpr uint8_t kAceObjectInherit = 0x01, kAceContainerInherit = 0x02,
                  kAceNoPropagate = 0x04, kAceInheritOnly = 0x08, kAceInherited = 0x10,
                  kAceSuccessfulAccess = 0x40, kAceFailedAccess = 0x80;
constexpr uint8_t kAceInheritFlags = kAceObjectInherit | kAceContainerInherit |
                                     kAceNoPropagate | kAceInheritOnly;

constexpr size_t kMaxSubAuthorities = 15;
constexpr uint8_t kAclRevision = 2, kAclRevisionDs = 4;
constexpr size_t kSdHeaderSize = 20;
// ACLs are limited to 64 KiB by their 16-bit size field.
constexpr size_t kMaxAclSize = 0xFFFF;

struct Sid {
  uint64_t authority = 0;      // 48-bit IdentifierAuthority, big-endian on the wire
  uint8_t count = 0;           // SubAuthorityCount, <= 15
  std::array<uint32_t, kMaxSubAuthorities> sub{};

  bool operator==(const Sid& o) const;
  size_t wire_size() const { return 8 + 4 * size_t(count); }
  std::string to_string() const;   // "S-1-5-32-544"
  // The last sub-authority (the RID); 0 when there is none.
  uint32_t rid() const { return count ? sub[count - 1] : 0; }
};

Sid make_sid(uint64_t authority, std::initializer_list<uint32_t> subs);
// Parses "S-1-..." (decimal authority or 0x-hex); nullopt if malformed.
std::optional<Sid> parse_sid_string(std::string_view s);

// Reads one SID at the reader's position. False (and the reader failed)
// if truncated, revision != 1 or more than 15 sub-authorities.
bool read_sid(ByteReader& r, Sid* out);
void write_sid(ByteWriter& w, const Sid& s);

// One ACE. The types that carry (mask, SID) directly are interpreted; the
// object, callback and resource-attribute forms keep their type-specific
// bytes opaque (`extra` between the mask and the SID of object ACEs, `tail`
// after the SID) so they round-trip unchanged; access checks ignore them.
struct Ace {
  uint8_t type = kAceAllowed;
  uint8_t flags = 0;
  uint32_t mask = 0;
  Sid sid;
  bool object = false;              // an *_OBJECT_ACE
  std::vector<uint8_t> extra;       // object ACEs: Flags and GUIDs (before the SID)
  std::vector<uint8_t> tail;        // application / attribute data after the SID

  bool operator==(const Ace&) const = default;
  size_t wire_size() const { return 8 + extra.size() + sid.wire_size() + tail.size(); }
  bool inherit_only() const { return flags & kAceInheritOnly; }
};

struct Acl {
  uint8_t revision = kAclRevision;
  std::vector<Ace> aces;
  bool operator==(const Acl&) const = default;
  size_t wire_size() const;
};

// An in-memory descriptor. A part is present when its optional is set; the
// DACL (SACL) is "NULL" when kDaclPresent (kSaclPresent) is set in control
// but `dacl` (`sacl`) is empty: that grants everyone everything.
struct SecurityDescriptor {
  uint16_t control = kSelfRelative;
  std::optional<Sid> owner, group;
  std::optional<Acl> dacl, sacl;

  bool null_dacl() const { return (control & kDaclPresent) && !dacl; }
  bool operator==(const SecurityDescriptor&) const = default;
};

// Strict parse of a self-relative descriptor (MS-DTYP 2.4.6):
// revision 1; each non-zero offset points inside the buffer past the
// 20-byte header; SIDs have <= 15 sub-authorities; ACL revision 2 or 4,
// AclSize >= 8 and inside the buffer, every ACE (AceSize >= its minimum,
// 4-aligned) inside AclSize, AceCount ACEs exactly. A DACL/SACL offset
// without the PRESENT bit is ignored (as Windows does).
// Statuses: buffer shorter than the header -> INVALID_PARAMETER;
// revision -> UNKNOWN_REVISION; anything else -> INVALID_SECURITY_DESCR.
NtStatus parse_security_descriptor(Bytes buf, SecurityDescriptor* out);
NtStatus parse_acl(Bytes buf, Acl* out);   // one ACL at the start of buf

// Self-relative encoding of the parts selected by `secinfo` (kSecOwner |
// kSecGroup | kSecDacl | kSecSacl: the whole SACL; kSecLabel alone: only
// the SACL's mandatory-label ACEs). Control bits of parts not selected are
// cleared.
// Layout as Windows writes it: header, SACL, DACL, owner, group.
std::vector<uint8_t> encode_security_descriptor(const SecurityDescriptor& sd,
                                                uint32_t secinfo = kSecOwner | kSecGroup |
                                                                   kSecDacl | kSecSacl);
void write_acl(ByteWriter& w, const Acl& acl);

}  // namespace cifsd::session::acl
