#pragma once
// Who the caller is, as SIDs, and what a descriptor grants it: the access
// check algorithm of MS-DTYP 2.5.3.2 for file objects.
//
// Unix identities map to SIDs the way docs/acl.md documents:
//   user  uid -> S-1-22-1-<uid>      group gid -> S-1-22-2-<gid>
// (the "Unix User" / "Unix Group" authority 22 Samba uses too). They are
// stable (no state, no database) and need no domain SID; a future SAMR/LSA
// in smbd-rpc resolves S-1-22-1-x / S-1-22-2-x to names with getpwuid /
// getgrgid and can alias them into a domain SID without changing what is
// stored on disk.
#include <cstdint>
#include <optional>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "smbd-session/acl/sd.h"

namespace cifsd::session::acl {

namespace wk {  // well-known SIDs (MS-DTYP 2.4.2.4)
Sid everyone();            // S-1-1-0
Sid creator_owner();       // S-1-3-0
Sid creator_group();       // S-1-3-1
Sid owner_rights();        // S-1-3-4
Sid network();             // S-1-5-2
Sid anonymous();           // S-1-5-7
Sid authenticated_users(); // S-1-5-11
Sid system();              // S-1-5-18
Sid administrators();      // S-1-5-32-544
Sid users();               // S-1-5-32-545
}  // namespace wk

constexpr uint64_t kUnixAuthority = 22;
Sid uid_to_sid(uint32_t uid);
Sid gid_to_sid(uint32_t gid);
std::optional<uint32_t> sid_to_uid(const Sid& s);
std::optional<uint32_t> sid_to_gid(const Sid& s);

// The caller's security context: its user SID, primary group and every SID
// it is a member of (groups, Everyone, Authenticated Users, Network).
struct Token {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> gids;   // primary + supplementary
  Sid user, primary_group;
  std::vector<Sid> sids;        // user and group SIDs included
  bool has(const Sid& s) const;
  bool in_group(uint32_t g) const;
};
Token make_token(const ipc::auth::Identity& id);

// File generic mapping (MS-DTYP 2.4.3 / MS-SMB2 2.2.13.1.1).
constexpr uint32_t kFileGenericRead = 0x00120089, kFileGenericWrite = 0x00120116,
                   kFileGenericExecute = 0x001200A0, kFileAllAccess = 0x001F01FF;
constexpr uint32_t kGenericAll = 0x10000000, kGenericExecute = 0x20000000,
                   kGenericWrite = 0x40000000, kGenericRead = 0x80000000;
constexpr uint32_t kReadControl = 0x00020000, kWriteDac = 0x00040000, kWriteOwner = 0x00080000,
                   kDeleteRight = 0x00010000, kSynchronize = 0x00100000,
                   kAccessSystemSecurity = 0x01000000, kMaximumAllowed = 0x02000000;
uint32_t map_generic(uint32_t mask);

// Everything `sd` grants `tok` (the answer to MAXIMUM_ALLOWED): ACEs in
// order, a right is decided by the first ACE naming it (deny before allow
// wins only if it comes first), inherit-only ACEs skipped, generic bits
// mapped, object/callback ACEs ignored. A NULL or absent DACL grants
// FILE_ALL_ACCESS. The owner holds READ_CONTROL | WRITE_DAC implicitly
// unless the DACL has an OWNER RIGHTS (S-1-3-4) ACE.
uint32_t granted_access(const SecurityDescriptor& sd, const Token& tok);

}  // namespace cifsd::session::acl
