// MS-DTYP 2.5.3.4 inheritance for files and directories.
#include "smbd-session/acl/inherit.h"

#include "smbd-session/acl/access.h"

namespace cifsd::session::acl {
namespace {

// The effective copy of an inherited ACE: CREATOR OWNER / GROUP replaced by
// the new object's owner / group, generic rights mapped to file rights.
Ace effective(const Ace& a, const Sid& owner, const Sid& group) {
  Ace e = a;
  e.flags = uint8_t((a.flags & (kAceSuccessfulAccess | kAceFailedAccess)) | kAceInherited);
  if (a.sid == wk::creator_owner()) e.sid = owner;
  else if (a.sid == wk::creator_group()) e.sid = group;
  e.mask = map_generic(a.mask);
  return e;
}

bool needs_substitution(const Ace& a) {
  return a.sid == wk::creator_owner() || a.sid == wk::creator_group() ||
         (a.mask & (kGenericAll | kGenericExecute | kGenericWrite | kGenericRead));
}

}  // namespace

Acl inherit_acl(const Acl& parent, bool is_dir, const Sid& owner, const Sid& group) {
  Acl out;
  out.revision = parent.revision;
  for (const Ace& a : parent.aces) {
    const bool oi = a.flags & kAceObjectInherit, ci = a.flags & kAceContainerInherit,
               np = a.flags & kAceNoPropagate;
    if (!is_dir) {
      if (oi) out.aces.push_back(effective(a, owner, group));
      continue;
    }
    if (ci) {
      if (np) {
        out.aces.push_back(effective(a, owner, group));
      } else if (needs_substitution(a)) {
        // One ACE that applies here, one that keeps propagating unchanged.
        out.aces.push_back(effective(a, owner, group));
        Ace io = a;
        io.flags = uint8_t((a.flags & ~kAceNoPropagate) | kAceInheritOnly | kAceInherited);
        out.aces.push_back(std::move(io));
      } else {
        Ace b = a;
        b.flags = uint8_t((a.flags & ~kAceInheritOnly) | kAceInherited);
        out.aces.push_back(std::move(b));
      }
    } else if (oi && !np) {
      // Object-inherit only: not effective on a directory, passed on to files.
      Ace io = a;
      io.flags = uint8_t(a.flags | kAceInheritOnly | kAceInherited);
      out.aces.push_back(std::move(io));
    }
  }
  return out;
}

SecurityDescriptor create_descriptor(const CreateInput& in, bool* worth_storing) {
  SecurityDescriptor sd;
  const SecurityDescriptor* c = in.creator;
  const SecurityDescriptor* p = in.parent;
  *worth_storing = c != nullptr;
  sd.owner = c && c->owner ? *c->owner : in.owner;
  sd.group = c && c->group ? *c->group : in.group;

  // DACL
  Acl inherited;
  if (p && p->dacl) inherited = inherit_acl(*p->dacl, in.is_dir, *sd.owner, *sd.group);
  const bool parent_auto = p && (p->control & kDaclAutoInherited);
  if (c && (c->control & kDaclPresent)) {
    sd.control |= kDaclPresent;
    if (c->dacl) {
      Acl d = *c->dacl;
      if (!(c->control & kDaclProtected))
        for (Ace& a : inherited.aces) d.aces.push_back(std::move(a));
      sd.dacl = std::move(d);
    }
    if (c->control & kDaclProtected) sd.control |= kDaclProtected;
    else if (parent_auto || (c->control & kDaclAutoInheritReq)) sd.control |= kDaclAutoInherited;
  } else if (!inherited.aces.empty()) {
    sd.control |= kDaclPresent;
    sd.dacl = std::move(inherited);
    if (parent_auto) sd.control |= kDaclAutoInherited;
    *worth_storing = true;
  }

  // SACL: the parent's inheritable audit ACEs (a creator's SACL needs a
  // privilege nobody holds here; the caller refuses it before).
  if (p && p->sacl) {
    Acl s = inherit_acl(*p->sacl, in.is_dir, *sd.owner, *sd.group);
    if (!s.aces.empty()) {
      sd.control |= kSaclPresent;
      if (p->control & kSaclAutoInherited) sd.control |= kSaclAutoInherited;
      sd.sacl = std::move(s);
      *worth_storing = true;
    }
  }
  return sd;
}

}  // namespace cifsd::session::acl
