#pragma once
// The security-descriptor side of CREATE, QUERY_INFO and SET_INFO: the
// small entry points the command handlers call (docs/acl.md).
//
// Access is the intersection of two checks: the kernel's (the session does
// file I/O as the user, so POSIX permissions and ACLs apply) and the
// descriptor's (MS-DTYP 2.5.3.2 against the stored or mode-derived
// descriptor).
#include <cstdint>
#include <vector>

#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"
#include "smbd-session/acl/access.h"
#include "smbd-session/acl/sd.h"

namespace cifsd::session::acl {

// CREATE of an existing object. `posix_max` is the kernel-derived maximal
// access; returns it narrowed by the object's descriptor. DELETE also
// follows from FILE_DELETE_CHILD on the parent's descriptor, and
// FILE_READ_ATTRIBUTES from FILE_LIST_DIRECTORY on it (MS-FSA 2.1.5.1.2.1).
// `parent` may be -1 (the share root).
uint32_t restrict_existing(int fd, int parent, const Token& tok, uint32_t posix_max);

// CREATE of a new object: the parent's descriptor must grant FILE_ADD_FILE
// (FILE_ADD_SUBDIRECTORY for a directory). ACCESS_DENIED otherwise.
NtStatus check_add(int parent, bool is_dir, const Token& tok);

// The SecD create context (a self-relative descriptor). Validates it and
// the owner it names (the caller's user or one of its groups, else
// INVALID_OWNER); a SACL needs a privilege nobody holds: PRIVILEGE_NOT_HELD.
NtStatus parse_creator(Bytes secd, const Token& tok, SecurityDescriptor* out);

// After a new object exists with its initial mode: computes its descriptor
// from the parent's and the creator's (inheritance), adjusts the mode and
// stores it when there is anything to store. *maximal becomes what the
// new descriptor grants the creator (for MxAc), intersected with it.
NtStatus apply_on_create(int fd, int parent, bool is_dir, const SecurityDescriptor* creator,
                         const Token& tok, uint32_t* maximal);

// QUERY_INFO SMB2_0_INFO_SECURITY. `access` is the handle's granted access:
// READ_CONTROL for owner/group/DACL/label, ACCESS_SYSTEM_SECURITY for the
// SACL.
NtStatus query(int fd, uint32_t secinfo, uint32_t access, std::vector<uint8_t>* out);

// SET_INFO SMB2_0_INFO_SECURITY: WRITE_OWNER for owner/group/label,
// WRITE_DAC for the DACL, ACCESS_SYSTEM_SECURITY for the SACL.
NtStatus set(int fd, uint32_t secinfo, Bytes buf, uint32_t access, const Token& tok);

}  // namespace cifsd::session::acl
