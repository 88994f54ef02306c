// Glue between the SMB2 file commands and the descriptor model.
#include "smbd-session/acl/ntacl.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/log/log.h"
#include "smbd-session/acl/inherit.h"
#include "smbd-session/acl/store.h"
#include "smbd-session/identity.h"

namespace cifsd::session::acl {
namespace {

constexpr uint32_t kListDirectory = 0x1, kAddFile = 0x2, kAddSubdir = 0x4, kDeleteChild = 0x40,
                   kReadAttributes = 0x80;
constexpr uint32_t kProtectedDacl = 0x80000000, kProtectedSacl = 0x40000000,
                   kUnprotectedDacl = 0x20000000, kUnprotectedSacl = 0x10000000;

NtStatus errno_status(int e) {
  switch (e) {
    case EACCES:
    case EPERM: return status::kAccessDenied;
    case ENOSPC:
    case EDQUOT: return status::kDiskFull;
    case E2BIG:
    case ERANGE: return status::kInsufficientResources;
    case ENOTSUP: return status::kNotSupported;
    default: return status::kUnsuccessful;
  }
}

// chmod/chown through /proc/self/fd so O_PATH fds work too.
int chmod_fd(int fd, mode_t m) {
  if (fchmod(fd, m) == 0) return 0;
  if (errno != EBADF) return errno;
  std::string p = "/proc/self/fd/" + std::to_string(fd);
  return fchmodat(AT_FDCWD, p.c_str(), m, 0) == 0 ? 0 : errno;
}

// Any SID of the caller's token may be made owner (Windows asks for the
// SE_GROUP_OWNER attribute; every token group here may own).
bool owner_allowed(const Sid& s, const Token& tok) { return tok.has(s); }

// Keeps the POSIX side in step with a new descriptor: the mode from the
// DACL. The sandbox forbids the chown family (seccomp kills it), and
// giving a file to another uid would need CAP_CHOWN anyway: an owner SID
// that maps to another uid than the file's is INVALID_OWNER; a new group
// SID is recorded in the descriptor only.
NtStatus sync_posix(int fd, const SecurityDescriptor& sd, bool dacl_changed, bool owner_changed,
                    bool group_changed, const Token& tok) {
  struct stat sb;
  if (fstat(fd, &sb) != 0) return errno_status(errno);
  if (owner_changed && sd.owner) {
    auto u = sid_to_uid(*sd.owner);
    if (u && *u != sb.st_uid) return kStatusInvalidOwner;
  }
  (void)group_changed;
  if (dacl_changed && sb.st_uid == tok.uid) {
    if (fstat(fd, &sb) != 0) return errno_status(errno);
    uint32_t m = mode_from_descriptor(sd, sb.st_mode, sb.st_gid, S_ISDIR(sb.st_mode));
    if ((m & 07777) != (sb.st_mode & 07777)) (void)chmod_fd(fd, m & 07777);
  }
  return status::kSuccess;
}

// Fills the parts a stored descriptor must have from the mode-derived one.
void complete(SecurityDescriptor* sd, const struct stat& sb, bool with_dacl) {
  SecurityDescriptor syn = synthesize(sb.st_uid, sb.st_gid, sb.st_mode, S_ISDIR(sb.st_mode));
  if (!sd->owner) sd->owner = syn.owner;
  if (!sd->group) sd->group = syn.group;
  if (with_dacl && !(sd->control & kDaclPresent)) {
    sd->control |= kDaclPresent;
    sd->dacl = syn.dacl;
  }
}

}  // namespace

uint32_t restrict_existing(int fd, int parent, const Token& tok, uint32_t posix_max) {
  struct stat sb;
  if (fstat(fd, &sb) != 0) return posix_max;
  SecurityDescriptor sd = load_effective(fd, sb);
  uint32_t g = granted_access(sd, tok);
  if (parent >= 0) {
    struct stat pb;
    if (fstat(parent, &pb) == 0) {
      SecurityDescriptor psd = load_effective(parent, pb);
      uint32_t pg = granted_access(psd, tok);
      if (pg & kDeleteChild) g |= kDeleteRight;
      if (pg & kListDirectory) g |= kReadAttributes;
    }
  }
  uint32_t out = posix_max & g;
  // WRITE_DAC / WRITE_OWNER come from the descriptor alone; the kernel
  // still decides whether the xattr can be written (write permission).
  if (posix_max & 0x2 /*WRITE_DATA*/) out |= g & (kWriteDac | kWriteOwner);
  return out;
}

NtStatus check_add(int parent, bool is_dir, const Token& tok) {
  if (parent < 0) return status::kSuccess;
  struct stat pb;
  if (fstat(parent, &pb) != 0) return status::kSuccess;  // the kernel decides
  uint32_t g = granted_access(load_effective(parent, pb), tok);
  return (g & (is_dir ? kAddSubdir : kAddFile)) ? status::kSuccess : status::kAccessDenied;
}

NtStatus parse_creator(Bytes secd, const Token& tok, SecurityDescriptor* out) {
  NtStatus s = parse_security_descriptor(secd, out);
  if (s != status::kSuccess) return s == status::kInvalidParameter ? kStatusInvalidSecurityDescr : s;
  if (out->owner && !owner_allowed(*out->owner, tok)) return kStatusInvalidOwner;
  if (out->control & kSaclPresent) return status::kPrivilegeNotHeld;
  return status::kSuccess;
}

NtStatus apply_on_create(int fd, int parent, bool is_dir, const SecurityDescriptor* creator,
                         const Token& tok, uint32_t* maximal) {
  std::optional<SecurityDescriptor> psd;
  bool parent_stored = false;
  if (parent >= 0) {
    struct stat pb;
    if (fstat(parent, &pb) == 0) psd = load_effective(parent, pb, &parent_stored);
  }
  CreateInput in;
  in.parent = psd ? &*psd : nullptr;
  in.parent_stored = parent_stored;
  in.creator = creator;
  in.is_dir = is_dir;
  in.owner = tok.user;
  in.group = tok.primary_group;
  bool worth = false;
  SecurityDescriptor sd = create_descriptor(in, &worth);
  if (!worth) return status::kSuccess;
  struct stat sb;
  if (fstat(fd, &sb) != 0) return errno_status(errno);
  const bool had_dacl = sd.control & kDaclPresent;
  complete(&sd, sb, true);
  NtStatus s = sync_posix(fd, sd, had_dacl, creator && creator->owner, creator && creator->group, tok);
  if (s != status::kSuccess) return s;
  int e = save(fd, sd);
  if (e) {
    LOG_W("acl: cannot store descriptor: %s", strerror(e));
    return errno_status(e);
  }
  *maximal &= granted_access(sd, tok) | kDeleteRight | kReadAttributes;
  return status::kSuccess;
}

NtStatus query(int fd, uint32_t secinfo, uint32_t access, std::vector<uint8_t>* out) {
  if ((secinfo & (kSecOwner | kSecGroup | kSecDacl | kSecLabel)) && !(access & kReadControl))
    return status::kAccessDenied;
  if ((secinfo & kSecSacl) && !(access & kAccessSystemSecurity)) return status::kAccessDenied;
  struct stat sb;
  if (fstat(fd, &sb) != 0) return errno_status(errno);
  SecurityDescriptor sd = load_effective(fd, sb);
  *out = encode_security_descriptor(sd, secinfo);
  return status::kSuccess;
}

NtStatus set(int fd, uint32_t secinfo, Bytes buf, uint32_t access, const Token& tok) {
  if ((secinfo & (kSecOwner | kSecGroup | kSecLabel)) && !(access & kWriteOwner))
    return status::kAccessDenied;
  if ((secinfo & kSecDacl) && !(access & kWriteDac)) return status::kAccessDenied;
  if ((secinfo & kSecSacl) && !(access & kAccessSystemSecurity)) return status::kAccessDenied;
  SecurityDescriptor in;
  NtStatus s = parse_security_descriptor(buf, &in);
  if (s != status::kSuccess) return s;
  struct stat sb;
  if (fstat(fd, &sb) != 0) return errno_status(errno);
  SecurityDescriptor sd = load_effective(fd, sb);
  bool owner_changed = false, group_changed = false, dacl_changed = false;
  if ((secinfo & kSecOwner) && in.owner) {
    if (!owner_allowed(*in.owner, tok) && !(sd.owner && *sd.owner == *in.owner))
      return kStatusInvalidOwner;
    owner_changed = !sd.owner || !(*sd.owner == *in.owner);
    sd.owner = in.owner;
  }
  if ((secinfo & kSecGroup) && in.group) {
    group_changed = !sd.group || !(*sd.group == *in.group);
    sd.group = in.group;
  }
  if (secinfo & kSecDacl) {
    // AUTO_INHERIT_REQ is never stored; AUTO_INHERITED only sticks when
    // the request carries both (what Windows answers afterwards).
    uint16_t c = in.control & (kDaclPresent | kDaclDefaulted | kDaclProtected);
    if ((in.control & (kDaclAutoInherited | kDaclAutoInheritReq)) ==
        (kDaclAutoInherited | kDaclAutoInheritReq))
      c |= kDaclAutoInherited;
    if (in.dacl) map_generic_aces(&*in.dacl);
    if (secinfo & kProtectedDacl) c |= kDaclProtected;
    if (secinfo & kUnprotectedDacl) c &= ~kDaclProtected;
    // A descriptor without a DACL removes it: Windows then reports a NULL
    // DACL (DACL_PRESENT, no ACL), which grants everyone everything.
    if (!(c & kDaclPresent)) in.dacl.reset();
    sd.control = uint16_t((sd.control & ~kDaclBits) | c | kDaclPresent);
    sd.dacl = in.dacl;
    dacl_changed = true;
  }
  if (secinfo & (kSecSacl | kSecLabel)) {
    uint16_t c = in.control & (kSaclPresent | kSaclDefaulted | kSaclProtected);
    if ((in.control & (kSaclAutoInherited | kSaclAutoInheritReq)) ==
        (kSaclAutoInherited | kSaclAutoInheritReq))
      c |= kSaclAutoInherited;
    if (secinfo & kProtectedSacl) c |= kSaclProtected;
    if (secinfo & kUnprotectedSacl) c &= ~kSaclProtected;
    sd.control = uint16_t((sd.control & ~kSaclBits) | c);
    sd.sacl = in.sacl;
    if (!(c & kSaclPresent)) sd.sacl.reset();
  }
  s = sync_posix(fd, sd, dacl_changed, owner_changed, group_changed, tok);
  if (s != status::kSuccess) return s;
  complete(&sd, sb, false);  // a DACL removed by the client stays absent
  int e = save(fd, sd);
  if (e == EACCES || e == EPERM) {
    // The handle holds WRITE_DAC/WRITE_OWNER (checked above), but the
    // request's identity may not be able to write the xattr (a session that
    // re-authenticated as another user): the owner can.
    struct Args {
      int fd;
      const SecurityDescriptor* sd;
    } a{fd, &sd};
    e = as_file_owner(sb.st_uid, sb.st_gid,
                      [](void* p) {
                        auto* x = static_cast<Args*>(p);
                        return save(x->fd, *x->sd);
                      },
                      &a);
  }
  if (e) return errno_status(e);
  return status::kSuccess;
}

}  // namespace cifsd::session::acl
