// MS-DTYP 2.5.3.4 inheritance for files and directories.
#include "smbd-session/acl/inherit.h"

#include "smbd-session/acl/access.h"

namespace cifsd::session::acl {
namespace {

// The effective copy of an inherited ACE: CREATOR OWNER / GROUP replaced by
// the new object's owner / group, generic rights mapped to file rights.
Ace effective(const Ace& a, const Sid& owner, const Sid& group, uint8_t inh) {
  Ace e = a;
  e.flags = uint8_t((a.flags & (kAceSuccessfulAccess | kAceFailedAccess)) | inh);
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

void map_generic_aces(Acl* acl) {
  for (Ace& a : acl->aces)
    if (!a.inherit_only()) a.mask = map_generic(a.mask);
}

Acl inherit_acl(const Acl& parent, bool is_dir, const Sid& owner, const Sid& group,
                bool auto_inherit) {
  const uint8_t inh = auto_inherit ? kAceInherited : 0;
  Acl out;
  out.revision = parent.revision;
  for (const Ace& a : parent.aces) {
    const bool oi = a.flags & kAceObjectInherit, ci = a.flags & kAceContainerInherit,
               np = a.flags & kAceNoPropagate;
    if (!is_dir) {
      if (oi) out.aces.push_back(effective(a, owner, group, inh));
      continue;
    }
    if (ci) {
      if (np) {
        out.aces.push_back(effective(a, owner, group, inh));
      } else if (needs_substitution(a)) {
        // One ACE that applies here, one that keeps propagating unchanged.
        out.aces.push_back(effective(a, owner, group, inh));
        Ace io = a;
        io.flags = uint8_t((a.flags & ~(kAceNoPropagate | kAceInherited)) | kAceInheritOnly | inh);
        out.aces.push_back(std::move(io));
      } else {
        Ace b = a;
        b.flags = uint8_t((a.flags & ~(kAceInheritOnly | kAceInherited)) | inh);
        out.aces.push_back(std::move(b));
      }
    } else if (oi && !np) {
      // Object-inherit only: not effective on a directory, passed on to files.
      Ace io = a;
      io.flags = uint8_t((a.flags & ~kAceInherited) | kAceInheritOnly | inh);
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
  const bool parent_auto = p && (p->control & kDaclAutoInherited);
  Acl inherited;
  if (p && p->dacl) inherited = inherit_acl(*p->dacl, in.is_dir, *sd.owner, *sd.group, parent_auto);
  if (c && (c->control & kDaclPresent)) {
    sd.control |= kDaclPresent;
    if (c->dacl) {
      Acl d = *c->dacl;
      map_generic_aces(&d);
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
  } else if (in.parent_stored) {
    // Windows' default DACL for an object that inherits nothing.
    sd.control |= kDaclPresent;
    Acl d;
    for (const Sid& s : {*sd.owner, wk::system()}) {
      Ace a;
      a.mask = kFileAllAccess;
      a.sid = s;
      d.aces.push_back(std::move(a));
    }
    sd.dacl = std::move(d);
    *worth_storing = true;
  }

  // SACL: the parent's inheritable audit ACEs (a creator's SACL needs a
  // privilege nobody holds here; the caller refuses it before).
  if (p && p->sacl) {
    Acl s = inherit_acl(*p->sacl, in.is_dir, *sd.owner, *sd.group,
                        p->control & kSaclAutoInherited);
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
