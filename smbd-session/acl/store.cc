// user.cifsd.ntacl storage, mode-derived descriptors, DACL -> mode.
#include "smbd-session/acl/store.h"

#include <sys/xattr.h>

#include <cerrno>
#include <string>

namespace cifsd::session::acl {
namespace {

constexpr size_t kMaxStored = 65536 + 4096;
constexpr uint32_t kModeBits = S_IFMT | 07777;

ssize_t get_xattr(int fd, const char* name, void* buf, size_t len) {
  ssize_t n = fgetxattr(fd, name, buf, len);
  if (n < 0 && errno == EBADF) {  // O_PATH fd
    std::string p = "/proc/self/fd/" + std::to_string(fd);
    n = getxattr(p.c_str(), name, buf, len);
  }
  return n;
}

int set_xattr(int fd, const char* name, const void* buf, size_t len) {
  int r = fsetxattr(fd, name, buf, len, 0);
  if (r < 0 && errno == EBADF) {
    std::string p = "/proc/self/fd/" + std::to_string(fd);
    r = setxattr(p.c_str(), name, buf, len, 0);
  }
  return r;
}

// POSIX access ACL (system.posix_acl_access, little-endian: u32 version 2,
// then u16 tag, u16 perm, u32 id per entry). Only named entries matter here.
std::vector<PosixAclEntry> read_posix_acl(int fd) {
  std::vector<PosixAclEntry> out;
  uint8_t buf[4096];
  ssize_t n = get_xattr(fd, "system.posix_acl_access", buf, sizeof buf);
  if (n < 4) return out;
  ByteReader r(Bytes(buf, size_t(n)));
  if (r.u32() != 2) return out;
  uint32_t mask = 7;
  std::vector<PosixAclEntry> named;
  while (r.remaining() >= 8) {
    uint16_t tag = r.u16();
    uint16_t perm = r.u16();
    uint32_t id = r.u32();
    if (tag == 0x02) named.push_back({true, id, perm & 7u});
    else if (tag == 0x08) named.push_back({false, id, perm & 7u});
    else if (tag == 0x10) mask = perm & 7u;
  }
  for (auto& e : named) e.perm &= mask;
  return named;
}

}  // namespace

std::vector<uint8_t> encode_stored(const SecurityDescriptor& sd, uint32_t mode) {
  std::vector<uint8_t> v;
  ByteWriter w(v);
  w.u8(kStoreVersion);
  w.u8(0);
  w.u16(0);
  w.u32(mode & kModeBits);
  w.bytes(encode_security_descriptor(sd));
  return v;
}

std::optional<SecurityDescriptor> decode_stored(Bytes value, uint32_t mode) {
  ByteReader r(value);
  uint8_t ver = r.u8();
  r.u8();
  r.u16();
  uint32_t m = r.u32();
  if (!r.ok() || ver != kStoreVersion || m != (mode & kModeBits)) return std::nullopt;
  SecurityDescriptor sd;
  if (parse_security_descriptor(r.rest(), &sd) != status::kSuccess) return std::nullopt;
  return sd;
}

uint32_t rights_from_rwx(uint32_t rwx, bool is_dir, bool owner) {
  uint32_t m = kReadControl | kSynchronize | 0x80 /*READ_ATTRIBUTES*/ | 0x08 /*READ_EA*/;
  if (rwx & 4) m |= kFileGenericRead;
  // As vfs::maximal_access: DELETE_CHILD comes with w (FILE_ALL_ACCESS asks
  // for it on files too), and reading a file is all "execute" means to a
  // remote client (the server never runs anything).
  if (rwx & 2) m |= kFileGenericWrite | 0x40 /*FILE_DELETE_CHILD*/;
  if ((rwx & 1) || (!is_dir && (rwx & 4))) m |= kFileGenericExecute;
  if (owner) m |= kWriteDac | kWriteOwner | 0x100 /*WRITE_ATTRIBUTES*/ | kDeleteRight;
  return m;
}

SecurityDescriptor synthesize(uint32_t uid, uint32_t gid, uint32_t mode, bool is_dir,
                              const std::vector<PosixAclEntry>& named) {
  SecurityDescriptor sd;
  sd.control = kSelfRelative | kDaclPresent;
  sd.owner = uid_to_sid(uid);
  sd.group = gid_to_sid(gid);
  Acl d;
  auto add = [&](uint32_t mask, const Sid& s) {
    Ace a;
    a.type = kAceAllowed;
    a.mask = mask;
    a.sid = s;
    d.aces.push_back(std::move(a));
  };
  add(rights_from_rwx((mode >> 6) & 7, is_dir, true), *sd.owner);
  for (const auto& e : named)
    if (e.is_user) add(rights_from_rwx(e.perm, is_dir, false), uid_to_sid(e.id));
  add(rights_from_rwx((mode >> 3) & 7, is_dir, false), *sd.group);
  for (const auto& e : named)
    if (!e.is_user) add(rights_from_rwx(e.perm, is_dir, false), gid_to_sid(e.id));
  add(rights_from_rwx(mode & 7, is_dir, false), wk::everyone());
  sd.dacl = std::move(d);
  return sd;
}

uint32_t mode_from_descriptor(const SecurityDescriptor& sd, uint32_t old_mode, uint32_t gid,
                              bool is_dir) {
  auto rwx = [&](uint32_t m) {
    uint32_t b = 0;
    if (m & 0x1) b |= 4;  // READ_DATA / LIST_DIRECTORY
    if (m & 0x2) b |= 2;  // WRITE_DATA / ADD_FILE
    if (m & 0x20) b |= 1; // EXECUTE / TRAVERSE
    return b;
  };
  Token group_class, other_class;
  other_class.sids = {wk::everyone(), wk::authenticated_users()};
  group_class.sids = other_class.sids;
  group_class.sids.push_back(gid_to_sid(gid));
  // Neither pseudo-token is the owner: no implicit rights.
  SecurityDescriptor nobody_owns = sd;
  nobody_owns.owner.reset();
  uint32_t g = rwx(granted_access(nobody_owns, group_class));
  uint32_t o = rwx(granted_access(nobody_owns, other_class));
  Token owner_class;
  owner_class.sids = other_class.sids;
  if (sd.owner) owner_class.sids.push_back(*sd.owner);
  uint32_t u = (is_dir ? 7 : 6) | rwx(granted_access(nobody_owns, owner_class));
  uint32_t m = u << 6 | g << 3 | o;
  // Files: EXECUTE is implied by read in mode-derived descriptors, so a
  // DACL read back and written again must not make a file executable; x
  // bits are only ever removed, never added, from the DACL.
  if (!is_dir) m &= (old_mode & 0111) | 0666;
  return (old_mode & 07000) | m;
}

SecurityDescriptor load_effective(int fd, const struct stat& sb, bool* stored) {
  if (stored) *stored = false;
  std::vector<uint8_t> buf(4096);
  ssize_t n = get_xattr(fd, kNtAclXattr, buf.data(), buf.size());
  if (n < 0 && errno == ERANGE) {
    ssize_t need = get_xattr(fd, kNtAclXattr, nullptr, 0);
    if (need > 0 && size_t(need) <= kMaxStored) {
      buf.resize(size_t(need));
      n = get_xattr(fd, kNtAclXattr, buf.data(), buf.size());
    }
  }
  if (n > 0) {
    auto sd = decode_stored(Bytes(buf.data(), size_t(n)), sb.st_mode);
    if (sd) {
      if (stored) *stored = true;
      return std::move(*sd);
    }
  }
  return synthesize(sb.st_uid, sb.st_gid, sb.st_mode, S_ISDIR(sb.st_mode), read_posix_acl(fd));
}

int save(int fd, const SecurityDescriptor& sd) {
  struct stat sb;
  if (fstat(fd, &sb) != 0) return errno;
  std::vector<uint8_t> v = encode_stored(sd, sb.st_mode);
  return set_xattr(fd, kNtAclXattr, v.data(), v.size()) == 0 ? 0 : errno;
}

}  // namespace cifsd::session::acl
