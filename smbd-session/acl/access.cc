// MS-DTYP 2.5.3.2 access check for files, and the Unix <-> SID mapping.
#include "smbd-session/acl/access.h"

#include <algorithm>

namespace cifsd::session::acl {

namespace wk {
Sid everyone() { return make_sid(1, {0}); }
Sid creator_owner() { return make_sid(3, {0}); }
Sid creator_group() { return make_sid(3, {1}); }
Sid owner_rights() { return make_sid(3, {4}); }
Sid network() { return make_sid(5, {2}); }
Sid anonymous() { return make_sid(5, {7}); }
Sid authenticated_users() { return make_sid(5, {11}); }
Sid system() { return make_sid(5, {18}); }
Sid administrators() { return make_sid(5, {32, 544}); }
Sid users() { return make_sid(5, {32, 545}); }
}  // namespace wk

Sid uid_to_sid(uint32_t uid) { return make_sid(kUnixAuthority, {1, uid}); }
Sid gid_to_sid(uint32_t gid) { return make_sid(kUnixAuthority, {2, gid}); }

std::optional<uint32_t> sid_to_uid(const Sid& s) {
  if (s.authority != kUnixAuthority || s.count != 2 || s.sub[0] != 1) return std::nullopt;
  return s.sub[1];
}
std::optional<uint32_t> sid_to_gid(const Sid& s) {
  if (s.authority != kUnixAuthority || s.count != 2 || s.sub[0] != 2) return std::nullopt;
  return s.sub[1];
}

bool Token::has(const Sid& s) const { return std::find(sids.begin(), sids.end(), s) != sids.end(); }
bool Token::in_group(uint32_t g) const { return std::find(gids.begin(), gids.end(), g) != gids.end(); }

Token make_token(const ipc::auth::Identity& id) {
  Token t;
  t.uid = id.uid;
  t.gid = id.gid;
  t.user = uid_to_sid(id.uid);
  t.primary_group = gid_to_sid(id.gid);
  t.gids.push_back(id.gid);
  t.sids.push_back(t.user);
  t.sids.push_back(t.primary_group);
  for (uint32_t g : id.groups) {
    if (t.in_group(g)) continue;
    t.gids.push_back(g);
    t.sids.push_back(gid_to_sid(g));
  }
  t.sids.push_back(wk::everyone());
  t.sids.push_back(wk::network());
  if (id.anonymous) t.sids.push_back(wk::anonymous());
  else t.sids.push_back(wk::authenticated_users());
  return t;
}

uint32_t map_generic(uint32_t m) {
  uint32_t out = m & ~(kGenericAll | kGenericExecute | kGenericWrite | kGenericRead);
  if (m & kGenericRead) out |= kFileGenericRead;
  if (m & kGenericWrite) out |= kFileGenericWrite;
  if (m & kGenericExecute) out |= kFileGenericExecute;
  if (m & kGenericAll) out |= kFileAllAccess;
  return out;
}

uint32_t granted_access(const SecurityDescriptor& sd, const Token& tok) {
  if (!(sd.control & kDaclPresent) || !sd.dacl) return kFileAllAccess;
  uint32_t granted = 0, denied = 0;
  const bool is_owner = sd.owner && tok.has(*sd.owner);
  bool owner_rights_ace = false;
  for (const Ace& a : sd.dacl->aces)
    if (!a.inherit_only() && a.sid == wk::owner_rights()) owner_rights_ace = true;
  if (is_owner && !owner_rights_ace) granted |= kReadControl | kWriteDac;
  for (const Ace& a : sd.dacl->aces) {
    if (a.inherit_only()) continue;
    if (a.type != kAceAllowed && a.type != kAceDenied) continue;
    bool applies = tok.has(a.sid) || (is_owner && a.sid == wk::owner_rights());
    if (!applies) continue;
    uint32_t m = map_generic(a.mask);
    if (a.type == kAceAllowed) granted |= m & ~denied;
    else denied |= m & ~granted;
  }
  return granted & ~kAccessSystemSecurity & ~kMaximumAllowed;
}

}  // namespace cifsd::session::acl
