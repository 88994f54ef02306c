#include "smbd-session/vfs/vfs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "smbd-session/smb2_types.h"
#include "smbd-session/mangle/short_name.h"
#include "smbd-session/vfs/name_cache.h"
#include "smbd-session/vfs/path.h"
#include "smbd-session/vfs/write_time.h"

namespace cifsd::session::vfs {
namespace {

constexpr uint64_t kEpochDelta = 11644473600ull;  // seconds 1601-01-01 .. 1970-01-01

struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// fgetxattr/fsetxattr refuse O_PATH fds (EBADF); the fd's /proc link is the
// documented way to reach the same inode without a second path lookup.
ssize_t fd_getxattr(int fd, const char* name, void* buf, size_t len) {
  ssize_t n = fgetxattr(fd, name, buf, len);
  if (n < 0 && errno == EBADF) {
    std::string p = "/proc/self/fd/" + std::to_string(fd);
    n = getxattr(p.c_str(), name, buf, len);
  }
  return n;
}
int fd_setxattr(int fd, const char* name, const void* buf, size_t len) {
  int r = fsetxattr(fd, name, buf, len, 0);
  if (r < 0 && errno == EBADF) {
    std::string p = "/proc/self/fd/" + std::to_string(fd);
    r = setxattr(p.c_str(), name, buf, len, 0);
  }
  return r;
}

bool access_ok(int fd, int mode) {
  return syscall(SYS_faccessat2, fd, "", mode, AT_EACCESS | AT_EMPTY_PATH) == 0;
}

}  // namespace

bool file_key(int fd, uint64_t* dev, uint64_t* ino) {
  struct statx sx {};
  if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_INO, &sx) != 0) return false;
  *dev = (uint64_t(sx.stx_dev_major) << 32) | sx.stx_dev_minor;
  *ino = sx.stx_ino;
  return true;
}

namespace {

void fill_stat(const struct statx& sx, FileStat* st) {
  st->last_access = unix_to_filetime(sx.stx_atime.tv_sec, sx.stx_atime.tv_nsec);
  st->last_write = unix_to_filetime(sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec);
  st->change = unix_to_filetime(sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec);
  if (sx.stx_mask & STATX_BTIME)
    st->creation = unix_to_filetime(sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec);
  else  // no birth time on this fs: the oldest time we know
    st->creation = std::min(st->last_write, st->change);
  st->is_dir = S_ISDIR(sx.stx_mode);
  st->is_regular = S_ISREG(sx.stx_mode);
  st->size = st->is_dir ? 0 : sx.stx_size;
  st->alloc = st->is_dir ? 0 : sx.stx_blocks * 512;
  st->dev = (uint64_t(sx.stx_dev_major) << 32) | sx.stx_dev_minor;
  st->ino = sx.stx_ino;
  st->nlink = sx.stx_nlink;
  st->mode = sx.stx_mode;
  st->uid = sx.stx_uid;
  st->gid = sx.stx_gid;
  wtime::apply(st);  // Windows write/change time semantics (write_time.h)
}

}  // namespace

int open_beneath(int root, std::string_view path, int flags, mode_t mode, bool follow_symlinks) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  // openat2 rejects O_NOCTTY together with O_PATH.
  how.flags = uint64_t(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY));
  if (flags & (O_CREAT | O_TMPFILE)) how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  if (!follow_symlinks) {
    how.resolve |= RESOLVE_NO_SYMLINKS;
    how.flags |= O_NOFOLLOW;
  }
  std::string p = path.empty() ? std::string(".") : std::string(path);
  long fd;
  do {
    fd = syscall(SYS_openat2, root, p.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);  // RESOLVE_* lookups may ask for a retry
  return int(fd);
}

NtStatus lookup_status(int err) {
  switch (err) {
    case EXDEV: case ELOOP: return status::kAccessDenied;  // escape or refused symlink
    case ENOTDIR: return status::kObjectPathNotFound;
  }
  return status_from_errno(err);
}

NtStatus resolve_path(int root, std::string_view path, const ShareConfig& share,
                      std::string* actual, bool* exists) {
  *exists = false;
  actual->clear();
  if (path.empty()) {
    *exists = true;
    return status::kSuccess;
  }
  if (path_vetoed(path, share.veto_files)) return status::kObjectNameNotFound;
  {
    UniqueFd fd(open_beneath(root, path, O_PATH, 0, share.follow_symlinks));
    if (fd) {
      *actual = std::string(path);
      *exists = true;
      return status::kSuccess;
    }
    if (errno != ENOENT) return lookup_status(errno);
  }
  // Case-insensitive walk. Each prefix is re-resolved from the root so a
  // followed symlink may point anywhere inside the share, but never out.
  std::string cur;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    bool last = end == std::string_view::npos;
    if (last) end = path.size();
    std::string_view comp = path.substr(start, end - start);
    std::string cand = cur.empty() ? std::string(comp) : cur + "/" + std::string(comp);
    UniqueFd probe(open_beneath(root, cand, O_PATH, 0, share.follow_symlinks));
    if (!probe && errno != ENOENT) return lookup_status(errno);
    if (!probe) {
      UniqueFd dir(open_beneath(root, cur, O_RDONLY | O_DIRECTORY, 0, share.follow_symlinks));
      if (!dir) return errno == ENOENT ? status::kObjectPathNotFound : lookup_status(errno);
      std::string match;
      // Lookup by 8.3 short name (mangle/short_name.h) when comp looks like one.
      std::string short_match;
      const bool by_short = share.mangled_names && mangle::looks_generated(comp);
      // Big directories answer from the name cache (name_cache.h), which
      // does not know short names.
      auto vetoed = [](std::string_view nm, const void* v) {
        return is_vetoed(nm, *static_cast<const std::vector<std::string>*>(v));
      };
      NameCache::Answer cached = by_short ? NameCache::Answer::kUnknown
                                          : name_cache().find(dir.get(), comp, &match, vetoed, &share.veto_files);
      size_t entries = 0;
      std::vector<char> buf(cached == NameCache::Answer::kUnknown ? 64 * 1024 : 0);
      while (cached == NameCache::Answer::kUnknown) {
        long n = syscall(SYS_getdents64, dir.get(), buf.data(), buf.size());
        if (n <= 0) {
          if (n == 0 && !by_short) name_cache().consider(dir.get(), entries);
          break;
        }
        for (long off = 0; off < n;) {
          auto* d = reinterpret_cast<LinuxDirent64*>(buf.data() + off);
          off += d->d_reclen;
          std::string_view nm(d->d_name);
          if (nm == "." || nm == "..") continue;
          entries++;
          if (equal_fold(nm, comp) && !is_vetoed(nm, share.veto_files)) {
            match = std::string(nm);
            break;
          }
          if (by_short && short_match.empty() && !is_vetoed(nm, share.veto_files) &&
              equal_fold(mangle::short_name(nm), comp))
            short_match = std::string(nm);
        }
        if (!match.empty()) break;
      }
      if (match.empty()) match = std::move(short_match);
      if (match.empty()) {
        if (!last) return status::kObjectPathNotFound;
        // A create by a short name handed out earlier re-creates its long name.
        if (auto l = by_short ? mangle::recall(cur, comp) : std::nullopt)
          cand = cur.empty() ? *l : cur + "/" + *l;
        *actual = std::move(cand);
        return status::kSuccess;  // a create target
      }
      cand = cur.empty() ? match : cur + "/" + match;
    }
    cur = std::move(cand);
    start = end + 1;
  }
  *actual = std::move(cur);
  *exists = true;
  return status::kSuccess;
}

uint64_t unix_to_filetime(int64_t sec, uint32_t nsec) {
  if (sec < -int64_t(kEpochDelta)) return 0;
  return (uint64_t(sec + int64_t(kEpochDelta))) * 10000000ull + nsec / 100;
}

bool filetime_to_timespec(uint64_t ft, struct timespec* ts) {
  if (ft == 0 || ft == ~0ull || ft == ~0ull - 1) return false;
  uint64_t sec = ft / 10000000ull;
  ts->tv_nsec = long((ft % 10000000ull) * 100);
  ts->tv_sec = time_t(int64_t(sec) - int64_t(kEpochDelta));
  return true;
}

namespace {

// The xattr value: u32 attributes, then optionally a u64 FILETIME creation
// time (Linux has no settable birth time; clients set it via SET_INFO).
struct DosXattr {
  bool present = false;
  uint32_t attrs = 0;
  bool has_creation = false;
  uint64_t creation = 0;
};

DosXattr read_xattr(int fd) {
  DosXattr x;
  uint8_t b[16];
  ssize_t n = fd < 0 ? -1 : fd_getxattr(fd, kDosAttribXattr, b, sizeof b);
  if (n >= 4) {
    x.present = true;
    x.attrs = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    x.attrs &= kStorableAttrs | smb2::kAttrSparse;
  }
  if (n >= 12) {
    x.has_creation = true;
    for (int i = 0; i < 8; i++) x.creation |= uint64_t(b[4 + i]) << (8 * i);
  }
  return x;
}

int write_xattr(int fd, const DosXattr& x) {
  uint8_t b[12];
  uint32_t a = x.attrs & (kStorableAttrs | smb2::kAttrSparse);
  for (int i = 0; i < 4; i++) b[i] = uint8_t(a >> (8 * i));
  for (int i = 0; i < 8; i++) b[4 + i] = uint8_t(x.creation >> (8 * i));
  return fd_setxattr(fd, kDosAttribXattr, b, x.has_creation ? 12 : 4) == 0 ? 0 : errno;
}

uint32_t attrs_from(const DosXattr& x, const struct statx& sx, const ShareConfig& share,
                    std::string_view name, bool* hidden_by_name = nullptr) {
  uint32_t a = x.present ? x.attrs : 0;
  if (S_ISDIR(sx.stx_mode)) {
    // A new directory has no ARCHIVE (cmd_create.cc does not store it), but
    // one set by SET_INFO sticks, as on NTFS.
    a |= smb2::kAttrDirectory;
  } else if (!x.present) {
    a |= smb2::kAttrArchive;
  }
  // "hide dot files" / "hide files": reported, never stored.
  bool by_name = !name.empty() && ((share.hide_dot_files && name[0] == '.') ||
                                   is_vetoed(name, share.hide_files));
  if (hidden_by_name) *hidden_by_name = by_name && !(a & smb2::kAttrHidden);
  if (by_name) a |= smb2::kAttrHidden;
  if (a == 0) a = smb2::kAttrNormal;
  return a;
}

void apply_xattr(int fd, const struct statx& sx, const ShareConfig& share, std::string_view name,
                 FileStat* st) {
  DosXattr x;
  if (share.store_dos_attributes) x = read_xattr(fd);
  st->attrs = attrs_from(x, sx, share, name, &st->hidden_by_name);
  if (x.has_creation) st->creation = x.creation;
}

}  // namespace

uint32_t dos_attributes(int fd, const struct statx& sx, const ShareConfig& share, std::string_view name) {
  DosXattr x;
  if (share.store_dos_attributes) x = read_xattr(fd);
  return attrs_from(x, sx, share, name);
}

int store_dos_attributes(int fd, uint32_t attrs) {
  DosXattr x = read_xattr(fd);  // keeps a stored creation time
  // SPARSE is not a client-settable attribute: only FSCTL_SET_SPARSE
  // changes it (store_sparse_flag), so it survives attribute changes.
  x.attrs = (attrs & kStorableAttrs) | (x.attrs & smb2::kAttrSparse);
  return write_xattr(fd, x);
}

int store_sparse_flag(int fd, bool sparse) {
  DosXattr x = read_xattr(fd);
  if (!x.present) {  // keep what was derived so far
    struct statx sx;
    bool dir = statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, &sx) == 0 && S_ISDIR(sx.stx_mode);
    x.attrs = dir ? 0 : smb2::kAttrArchive;
  }
  x.attrs = sparse ? (x.attrs | smb2::kAttrSparse) : (x.attrs & ~uint32_t(smb2::kAttrSparse));
  return write_xattr(fd, x);
}

int store_creation_time(int fd, uint64_t filetime, bool is_dir) {
  DosXattr x = read_xattr(fd);
  if (!x.present) x.attrs = is_dir ? 0 : smb2::kAttrArchive;  // what was derived so far
  x.has_creation = true;
  x.creation = filetime;
  return write_xattr(fd, x);
}

NtStatus stat_fd(int fd, const ShareConfig& share, std::string_view name, FileStat* st) {
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0)
    return status_from_errno(errno);
  fill_stat(sx, st);
  apply_xattr(fd, sx, share, name, st);
  return status::kSuccess;
}

NtStatus stat_at(int dirfd, std::string_view name, const ShareConfig& share, FileStat* st) {
  std::string n(name);
  struct statx sx;
  int flags = share.follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW;
  if (statx(dirfd, n.c_str(), flags, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0)
    return status_from_errno(errno);
  fill_stat(sx, st);
  if (share.store_dos_attributes && (S_ISREG(sx.stx_mode) || S_ISDIR(sx.stx_mode))) {
    // One open per entry to read the xattr; O_NONBLOCK|O_NOFOLLOW keeps
    // special files and symlinks from doing anything on open.
    UniqueFd f(openat(dirfd, n.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
    apply_xattr(f ? f.get() : -1, sx, share, name, st);
  } else {
    ShareConfig no_store = share;
    no_store.store_dos_attributes = false;
    apply_xattr(-1, sx, no_store, name, st);
  }
  return status::kSuccess;
}

uint32_t maximal_access(int fd, const FileStat& st, int parent, uint32_t uid, bool writable_tree) {
  using namespace smb2;
  uint32_t a = kReadControl | kSynchronize | kFileReadAttributes | kFileReadEa;
  const bool r = access_ok(fd, R_OK);
  if (r) a |= kFileReadData;
  // DELETE_CHILD is meaningless on a file; FILE_ALL_ACCESS requests it.
  if (access_ok(fd, W_OK)) a |= kFileWriteData | kFileAppendData | kFileWriteEa | kFileWriteAttributes |
                               kFileDeleteChild;
  // The server never executes anything: for a remote client "execute" on a
  // file means paging its bytes in, which read permission already allows.
  // On a directory it is traversal, which needs the x bit.
  if (access_ok(fd, X_OK) || (st.is_regular && r)) a |= kFileExecute;
  if (st.uid == uid) a |= kFileWriteAttributes | kWriteDac | kWriteOwner | kFileWriteEa;
  if (parent >= 0 && access_ok(parent, W_OK | X_OK)) {
    // In a sticky directory (/tmp-like) only the file's or the directory's
    // owner may remove an entry; the kernel would refuse the unlink later.
    struct stat ps;
    bool sticky_block = fstat(parent, &ps) == 0 && (ps.st_mode & S_ISVTX) && st.uid != uid &&
                        ps.st_uid != uid;
    if (!sticky_block) a |= kDelete;
  }
  if (!writable_tree)
    a &= ~(kFileWriteData | kFileAppendData | kFileWriteEa | kFileWriteAttributes | kDelete |
           kFileDeleteChild | kWriteDac | kWriteOwner);
  // A DOS read-only file keeps its data unwritable (Windows semantics).
  if (!st.is_dir && (st.attrs & kAttrReadonly)) a &= ~(kFileWriteData | kFileAppendData);
  return a;
}

uint32_t map_generic(uint32_t access) {
  using namespace smb2;
  uint32_t out = access & ~(kGenericRead | kGenericWrite | kGenericExecute | kGenericAll);
  if (access & kGenericRead) out |= 0x00120089;
  if (access & kGenericWrite) out |= 0x00120116;
  if (access & kGenericExecute) out |= 0x001200A0;
  if (access & kGenericAll) out |= kFileAllAccess;
  return out;
}

}  // namespace cifsd::session::vfs
