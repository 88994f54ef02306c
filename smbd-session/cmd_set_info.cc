// SMB2 SET_INFO (MS-SMB2 3.3.5.21, MS-FSCC 2.4): timestamps and DOS
// attributes, size, delete-on-close, rename and hard links.
//
// Timestamps: 0 means "no change"; -1 ("stop updating this time for the
// handle") and -2 ("resume") are accepted and treated as "no change" too:
// Linux has no per-handle suppression of time updates.
// ChangeTime cannot be set on Linux and is ignored; CreationTime is kept in
// the DOS-attribute xattr (see vfs.h) when "store dos attributes" is on.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "smbd-session/acl/ntacl.h"
#include "smbd-session/cmd_info_extra.h"
#include "smbd-session/connection.h"
#include "smbd-session/durable.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/info/encode.h"
#include "smbd-session/info/setinfo_parse.h"
#include "smbd-session/streams/stream_open.h"
#include "smbd-session/oplock.h"
#include "smbd-session/vfs/fileops_util.h"
#include "smbd-session/vfs/path.h"
#include "smbd-session/vfs/vfs.h"
#include "smbd-session/vfs/write_time.h"

namespace cifsd::session {
namespace {

using namespace smb2;
constexpr uint8_t kInfoFile = 1;

struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

bool dir_is_empty(int root, const std::string& path, bool follow) {
  UniqueFd d(vfs::open_beneath(root, path, O_RDONLY | O_DIRECTORY, 0, follow));
  if (!d) return false;
  std::vector<char> buf(8192);
  long n;
  while ((n = syscall(SYS_getdents64, d.get(), buf.data(), buf.size())) > 0) {
    for (long off = 0; off < n;) {
      auto* e = reinterpret_cast<LinuxDirent64*>(buf.data() + off);
      off += e->d_reclen;
      std::string_view nm(e->d_name);
      if (nm != "." && nm != "..") return false;
    }
  }
  return n == 0;
}

NtStatus set_basic(Request& req, Open& o, Bytes buf) {
  info::BasicInfo bi;
  NtStatus s = info::parse_basic_info(buf, &bi);
  if (s != status::kSuccess) return s;
  if (!(o.access & kFileWriteAttributes)) return status::kAccessDenied;
  const ShareConfig& share = share_of(req);
  // Any SET_INFO basic applies a pending write-time update (write_time.h).
  vfs::wtime::flush_pending(o.id.volatile_, o.fd.get(), o.dev, o.ino);
  if (bi.attributes) {
    if ((bi.attributes & kAttrDirectory) && !o.is_directory) return status::kInvalidParameter;
    if ((bi.attributes & vfs::kAttrTemporary) && o.is_directory) return status::kInvalidParameter;
    if (bi.attributes & vfs::kInvalidAttrs) return status::kInvalidParameter;
    if (share.store_dos_attributes) {
      int e = vfs::store_dos_attributes(o.fd.get(), bi.attributes & vfs::kStorableAttrs);
      if (e && (bi.attributes & (kAttrReadonly | kAttrHidden | kAttrSystem)))
        return e == ENOTSUP ? status::kNotSupported : status_from_errno(e);
    }
  }
  // Linux cannot set a birth time: a client-set creation time is kept in
  // our xattr (with the DOS attributes) when that store is enabled.
  struct timespec unused;
  if (share.store_dos_attributes && vfs::filetime_to_timespec(bi.creation, &unused)) {
    int e = vfs::store_creation_time(o.fd.get(), bi.creation, o.is_directory);
    if (e && e != ENOTSUP) return status_from_errno(e);
  }
  struct timespec ts[2];
  ts[0].tv_nsec = UTIME_OMIT;
  ts[1].tv_nsec = UTIME_OMIT;
  bool any = vfs::filetime_to_timespec(bi.last_access, &ts[0]);
  any |= vfs::filetime_to_timespec(bi.last_write, &ts[1]);
  if (any && utimensat(o.fd.get(), "", ts, AT_EMPTY_PATH) != 0) return status_from_errno(errno);
  vfs::wtime::after_set_basic(o.id.volatile_, o.fd.get(), o.dev, o.ino, bi.last_write, bi.change);
  return status::kSuccess;
}

// After a rename of `o`: other leases of the file lose handle caching, and
// the directory leases of the old and the new parent break (oplock.h).
void renamed(Request& req, Open& o) {
  caching_renamed(req.conn, o);
  caching_parent_changed(req.conn, o);
  std::string_view parent_path, leaf;
  vfs::split_parent(o.path, &parent_path, &leaf);
  UniqueFd parent(vfs::open_beneath(req.tree->root.get(), parent_path, O_PATH | O_DIRECTORY, 0,
                                    share_of(req).follow_symlinks));
  uint64_t dev = 0, ino = 0;
  if (!parent || !vfs::file_key(parent.get(), &dev, &ino)) return;
  if (dev == o.parent_dev && ino == o.parent_ino) return;
  o.parent_dev = dev;
  o.parent_ino = ino;
  caching_parent_changed(req.conn, o);
}

NtStatus set_disposition(Request& req, Open& o, bool del, bool ignore_readonly) {
  if (!(o.access & kDelete)) return status::kAccessDenied;
  // A file's delete-pending state is shared by all its opens, in every
  // session (the broker's); a named stream's stays with the stream open.
  const bool shared = o.broker_id && !o.stream;
  if (!del) {
    o.delete_on_close = false;
    if (shared) broker_delete_pending(req.conn, o.broker_id, false);
    return status::kSuccess;
  }
  if (o.path.empty()) return status::kCannotDelete;  // the share root
  vfs::FileStat st;
  NtStatus s = vfs::stat_fd(o.fd.get(), share_of(req), leaf_name(o.path), &st);
  if (s != status::kSuccess) return s;
  if (!st.is_dir && (st.attrs & kAttrReadonly) && !ignore_readonly) return status::kCannotDelete;
  if (st.is_dir && !dir_is_empty(req.tree->root.get(), o.path, share_of(req).follow_symlinks))
    return status::kDirectoryNotEmpty;
  if (shared) {
    NtStatus bs = broker_delete_pending(req.conn, o.broker_id, true);
    if (bs != status::kSuccess) return bs;
  }
  o.delete_on_close = true;
  return status::kSuccess;
}

// Resolves a rename/link target: parsed like a CREATE name, the parent must
// exist (matched case-insensitively), the leaf keeps the client's spelling
// unless a differently-cased entry already exists.
NtStatus resolve_target(Request& req, Bytes name, std::string* target, bool* exists) {
  vfs::ParsedName pn;
  NtStatus s = vfs::parse_wire_name(name, vfs::NameUse::kRename, &pn);
  if (s != status::kSuccess) return s;
  if (pn.named_stream) return status::kNotSupported;
  if (pn.path.empty()) return status::kObjectNameInvalid;
  const ShareConfig& share = share_of(req);
  if (vfs::path_vetoed(pn.path, share.veto_files)) return status::kAccessDenied;
  s = vfs::resolve_path(req.tree->root.get(), pn.path, share, target, exists);
  if (s != status::kSuccess) return s;
  return status::kSuccess;
}

NtStatus open_parent(Request& req, std::string_view path, UniqueFd* fd, std::string* leaf) {
  std::string_view parent, l;
  vfs::split_parent(path, &parent, &l);
  fd->reset(vfs::open_beneath(req.tree->root.get(), parent, O_PATH | O_DIRECTORY, 0,
                              share_of(req).follow_symlinks));
  if (!*fd) return errno == ENOENT ? status::kObjectPathNotFound : vfs::lookup_status(errno);
  *leaf = std::string(l);
  return status::kSuccess;
}

NtStatus set_rename(Request& req, Open& o, Bytes buf, bool ex, bool link) {
  info::RenameInfo ri;
  NtStatus s = info::parse_rename_info(buf, ex, &ri);
  if (s != status::kSuccess) return s;
  // Streams rename among themselves (":new" targets; streams/stream_open.h).
  if (!link && (o.stream || streams::is_stream_target(ri.name))) {
    if (ri.root_directory != 0) return status::kInvalidParameter;
    return streams::rename(req, o, ri.name, ri.replace);
  }
  if (ri.root_directory != 0) return status::kInvalidParameter;
  if (!req.tree->writable) return status::kAccessDenied;
  if (!link && !(o.access & kDelete)) return status::kAccessDenied;
  if (o.path.empty()) return status::kAccessDenied;
  if (link && o.is_directory) return status::kFileIsADirectory;
  if (!link && o.is_directory) {
    // Windows refuses to rename a directory while something below it is open.
    std::string prefix = o.path + "/";
    for (const auto& [id, other] : req.tree->opens)
      if (other.get() != &o && other->path.compare(0, prefix.size(), prefix) == 0)
        return status::kAccessDenied;
  }
  std::string target;
  bool exists = false;
  s = resolve_target(req, ri.name, &target, &exists);
  if (s != status::kSuccess) return s;

  UniqueFd sp, dp;
  std::string sleaf, dleaf;
  if ((s = open_parent(req, o.path, &sp, &sleaf)) != status::kSuccess) return s;
  struct stat src;
  if (fstatat(sp.get(), sleaf.c_str(), &src, AT_SYMLINK_NOFOLLOW) != 0 || src.st_ino != o.ino)
    return status::kObjectNameNotFound;  // our name no longer refers to the open file

  if (exists) {
    UniqueFd t(vfs::open_beneath(req.tree->root.get(), target, O_PATH, 0, share_of(req).follow_symlinks));
    struct stat ts;
    bool same = t && fstat(t.get(), &ts) == 0 && ts.st_ino == src.st_ino && ts.st_dev == src.st_dev;
    if (same) {
      if (link) return status::kSuccess;
      // Case-only rename: keep the client's spelling of the leaf.
      vfs::ParsedName pn;
      vfs::parse_wire_name(ri.name, vfs::NameUse::kRename, &pn);
      std::string_view tp, tl, pp, pl;
      vfs::split_parent(target, &tp, &tl);
      vfs::split_parent(pn.path, &pp, &pl);
      target = tp.empty() ? std::string(pl) : std::string(tp) + "/" + std::string(pl);
      exists = false;
      if (target == o.path) return status::kSuccess;
    } else {
      if (!ri.replace) return status::kObjectNameCollision;
      if (t && S_ISDIR(ts.st_mode)) return status::kAccessDenied;
      for (const auto& [id, other] : req.tree->opens)
        if (other->path == target) return status::kAccessDenied;  // open files cannot be replaced
    }
  }
  if ((s = open_parent(req, target, &dp, &dleaf)) != status::kSuccess) return s;
  // Windows opens the destination directory (ADD_FILE, sharing read and
  // write) for the rename: existing opens of it decide through the broker.
  vfs::FileStat pst;
  if ((s = vfs::stat_fd(dp.get(), share_of(req), "", &pst)) != status::kSuccess) return s;
  ipc::master::ShareOpen po;
  po.open_id = req.conn.next_broker_id++;
  po.dev = pst.dev;
  po.ino = pst.ino;
  po.access = kFileWriteData | kSynchronize;
  po.share_access = kShareRead | kShareWrite;
  if ((s = broker_share_open(req.conn, po)) != status::kSuccess) return s;
  struct BrokerRelease {
    Connection& c;
    uint64_t id;
    ~BrokerRelease() { broker_share_close(c, id); }
  } release{req.conn, po.open_id};
  if (link) {
    if (exists && unlinkat(dp.get(), dleaf.c_str(), 0) != 0) return status_from_errno(errno);
    if (linkat(sp.get(), sleaf.c_str(), dp.get(), dleaf.c_str(), 0) != 0)
      return status_from_errno(errno);
    return status::kSuccess;
  }
  unsigned flags = (ri.replace && exists) ? 0 : RENAME_NOREPLACE;
  if (renameat2(sp.get(), sleaf.c_str(), dp.get(), dleaf.c_str(), flags) != 0)
    return errno == EEXIST ? status::kObjectNameCollision : status_from_errno(errno);
  o.path = target;
  return status::kSuccess;
}

}  // namespace

NtStatus handle_set_info(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.u16();
  uint8_t type = r.u8();
  uint8_t cls = r.u8();
  uint32_t len = r.u32();
  uint16_t off = r.u16();
  r.u16();
  uint32_t additional = r.u32();
  FileId fid = read_file_id(r);
  if (!r.ok()) return status::kInvalidParameter;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;
  Bytes buf;
  // The buffer may not overlap the header or the fixed part of the request.
  if (len > req.conn.max_trans || (len && off < 64 + 32) ||
      !ByteReader::range(req.pdu, off, len, &buf))
    return status::kInvalidParameter;
  if (open->is_pipe) return status::kNotSupported;
  if (type == 3) {  // SMB2_0_INFO_SECURITY
    if (!req.tree->writable) return status::kAccessDenied;
    NtStatus ss = acl::set(open->fd.get(), additional, buf, open->access, acl::make_token(req.session->identity));
    if (ss == status::kSuccess) out.u16(2);
    return ss;
  }
  if (type != kInfoFile) return status::kNotSupported;  // no fs control or quota changes

  NtStatus xs;  // EAs, valid data length (cmd_info_extra.cc)
  if (set_info_extra(req, *open, type, cls, buf, &xs)) {
    if (xs == status::kSuccess) out.u16(2);
    return xs;
  }
  Open& o = *open;
  NtStatus s = status::kInvalidInfoClass;
  ByteReader b(buf);
  switch (cls) {
    case info::kFileBasicInformation:
      s = set_basic(req, o, buf);
      break;
    case info::kFileEndOfFileInformation: {
      uint64_t size = b.u64();
      if (!b.ok()) return status::kInfoLengthMismatch;
      if (o.is_directory) return status::kInvalidParameter;
      if (!(o.access & kFileWriteData)) return status::kAccessDenied;
      if (size > uint64_t(INT64_MAX)) return status::kInvalidParameter;
      if (o.stream) {  // a named stream (streams/stream_open.h)
        s = streams::set_size(o, size, false);
        break;
      }
      caching_wrote(req.conn, o);  // other clients' read caches break (oplock.h)
      o.modified = true;
      s = ftruncate(o.fd.get(), off_t(size)) == 0 ? status::kSuccess : status_from_errno(errno);
      if (s == status::kSuccess) vfs::wtime::flush_pending(o.id.volatile_, o.fd.get(), o.dev, o.ino);
      break;
    }
    case info::kFileAllocationInformation: {
      uint64_t size = b.u64();
      if (!b.ok()) return status::kInfoLengthMismatch;
      if (o.is_directory) return status::kInvalidParameter;
      if (!(o.access & kFileWriteData)) return status::kAccessDenied;
      if (size > uint64_t(INT64_MAX)) return status::kInvalidParameter;
      if (o.stream) {
        s = streams::set_size(o, size, true);
        break;
      }
      caching_wrote(req.conn, o);  // other clients' read caches break (oplock.h)
      o.modified = true;
      struct stat sb;
      if (fstat(o.fd.get(), &sb) != 0) return status_from_errno(errno);
      if (size < uint64_t(sb.st_size)) {
        // A smaller allocation truncates the file, as on NTFS.
        s = ftruncate(o.fd.get(), off_t(size)) == 0 ? status::kSuccess : status_from_errno(errno);
      } else {
        // Reserve space where the fs can; where it cannot this is a hint.
        if (size && fallocate(o.fd.get(), FALLOC_FL_KEEP_SIZE, 0, off_t(size)) != 0 &&
            errno == ENOSPC)
          return status::kDiskFull;
        s = status::kSuccess;
      }
      break;
    }
    case info::kFileDispositionInformation: {
      uint8_t del = b.u8();
      if (!b.ok()) return status::kInfoLengthMismatch;
      s = set_disposition(req, o, del != 0, false);
      break;
    }
    case info::kFileDispositionInformationEx: {
      uint32_t flags = b.u32();
      if (!b.ok()) return status::kInfoLengthMismatch;
      // DELETE 0x1; IGNORE_READONLY_ATTRIBUTE 0x10. POSIX_SEMANTICS (0x2)
      // is honoured as ordinary delete-on-close.
      s = set_disposition(req, o, flags & 0x1, flags & 0x10);
      break;
    }
    case info::kFileRenameInformation:
      s = set_rename(req, o, buf, false, false);
      if (s == status::kSuccess) renamed(req, o);
      break;
    case info::kFileRenameInformationEx:
      s = set_rename(req, o, buf, true, false);
      if (s == status::kSuccess) renamed(req, o);
      break;
    case info::kFileLinkInformation:
      s = set_rename(req, o, buf, false, true);
      break;
    case info::kFilePositionInformation: {
      uint64_t pos = b.u64();
      if (!b.ok()) return status::kInfoLengthMismatch;
      o.position = pos;
      durable_update(req.conn, o);  // a reconnect restores the position (durable.h)
      s = status::kSuccess;
      break;
    }
    case info::kFileModeInformation: {
      uint32_t mode = b.u32();
      if (!b.ok()) return status::kInfoLengthMismatch;
      if (mode & ~uint32_t(0x3E)) return status::kInvalidParameter;
      o.create_options = (o.create_options & ~uint32_t(0x3E)) | mode;
      s = status::kSuccess;
      break;
    }
    case info::kFileFullEaInformation:
      return kStatusEasNotSupported;
    default:
      return status::kInvalidInfoClass;
  }
  if (s != status::kSuccess) return s;
  out.u16(2);
  return status::kSuccess;
}

}  // namespace cifsd::session
