#pragma once
// Descriptor of a newly created file or directory (MS-DTYP 2.5.3.4,
// CreateSecurityDescriptor for a file system): inheritable ACEs of the
// parent (container/object inherit, inherit-only, no-propagate), CREATOR
// OWNER / CREATOR GROUP substitution and generic mapping in the effective
// copies, merged with the creator's explicit descriptor (the SecD create
// context) unless that is protected. Pure.
#include "smbd-session/acl/sd.h"

namespace cifsd::session::acl {

// The ACEs a child inherits from `parent` (a DACL or SACL).
// They carry INHERITED_ACE only when `auto_inherit` (the parent's ACL is
// DACL/SACL_AUTO_INHERITED), as Windows does.
Acl inherit_acl(const Acl& parent, bool is_dir, const Sid& owner, const Sid& group,
                bool auto_inherit = true);

// Generic rights of ACEs that apply to the object itself (not
// inherit-only) mapped to file rights, as Windows stores a set ACL.
void map_generic_aces(Acl* acl);

struct CreateInput {
  const SecurityDescriptor* parent = nullptr;   // the parent's effective descriptor
  bool parent_stored = false;                   // ...set by a client, not mode-derived
  const SecurityDescriptor* creator = nullptr;  // the SecD context, if any
  bool is_dir = false;
  Sid owner, group;                             // defaults from the caller's token
};

// The new descriptor. Parts neither the creator nor the parent supplied
// are left absent (the DACL then comes from the POSIX mode, as for a file
// nobody set a descriptor on), except below a parent with a stored
// descriptor: there the DACL is Windows' default (owner and SYSTEM full
// control). *worth_storing is true when the result
// carries anything a mode-derived descriptor would not (explicit parts or
// inherited ACEs).
SecurityDescriptor create_descriptor(const CreateInput& in, bool* worth_storing);

}  // namespace cifsd::session::acl
