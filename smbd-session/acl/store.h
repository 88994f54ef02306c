#pragma once
// Where descriptors live and how they meet the POSIX permissions.
//
// A descriptor set by a client (SET_INFO, the SecD create context) or
// produced by inheritance is stored in the xattr `user.cifsd.ntacl`
// (docs/acl.md): the `user.` namespace because smbd-session has no
// CAP_SYS_ADMIN for `security.`/`trusted.`. Value:
//   u8 version (1), u8 flags (0), u16 reserved (0),
//   u32 st_mode (type and permission bits when the value was written),
//   the self-relative descriptor.
// A stored value whose mode no longer matches the file's is stale (someone
// chmod'ed the file outside SMB) and is ignored: the descriptor is then
// synthesized from the mode again, as for a file that never had one.
#include <sys/stat.h>

#include <optional>

#include "smbd-session/acl/access.h"
#include "smbd-session/acl/sd.h"

namespace cifsd::session::acl {

constexpr const char* kNtAclXattr = "user.cifsd.ntacl";
constexpr uint8_t kStoreVersion = 1;

// The value layout (pure; fuzzed).
std::vector<uint8_t> encode_stored(const SecurityDescriptor& sd, uint32_t mode);
// nullopt when absent, unknown version, malformed or stale for `mode`.
std::optional<SecurityDescriptor> decode_stored(Bytes value, uint32_t mode);

// Owner, group and a three-ACE DACL (owner, group, Everyone) from the mode
// bits, plus one ACE per named user/group entry of a POSIX access ACL.
struct PosixAclEntry {
  bool is_user = false;
  uint32_t id = 0;
  uint32_t perm = 0;   // rwx
};
SecurityDescriptor synthesize(uint32_t uid, uint32_t gid, uint32_t mode, bool is_dir,
                              const std::vector<PosixAclEntry>& named = {});
// rwx -> file rights (owner also gets WRITE_DAC | WRITE_OWNER | DELETE ...)
uint32_t rights_from_rwx(uint32_t rwx, bool is_dir, bool owner);

// POSIX permission bits approximating a DACL: the owner, group and other
// classes get what the DACL grants the owner SID, the file's group and
// Everyone (each with Everyone and Authenticated Users). The owner class
// keeps at least rw (rwx on directories) whatever the DACL says: the owner holds WRITE_DAC
// implicitly and could restore itself anyway, and the descriptor check
// still enforces the DACL over SMB. On files x bits are only removed (when
// the DACL denies EXECUTE), never added. Special bits are kept.
uint32_t mode_from_descriptor(const SecurityDescriptor& sd, uint32_t old_mode, uint32_t gid,
                              bool is_dir);

// I/O on an open fd (O_PATH works through /proc/self/fd).
// The descriptor in effect: stored if valid, else synthesized.
SecurityDescriptor load_effective(int fd, const struct stat& sb, bool* stored = nullptr);
// Writes the xattr (after any chmod, with the mode it leaves). errno or 0.
int save(int fd, const SecurityDescriptor& sd);

}  // namespace cifsd::session::acl
