// SMB2 CREATE (MS-SMB2 3.3.5.9): opens or creates a file, directory or
// named pipe below the tree's root. Every lookup goes through vfs::
// (openat2 beneath the share root); share modes are arbitrated by the
// master's broker; access is what the kernel grants the user's fs identity.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/log/log.h"
#include "common/util/utf16.h"
#include "smbd-session/acl/ntacl.h"
#include "smbd-session/connection.h"
#include "smbd-session/delete_pending.h"
#include "smbd-session/durable.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/info/create_parse.h"
#include "smbd-session/info/ea.h"
#include "smbd-session/oplock.h"
#include "smbd-session/posix/posix_ext.h"
#include "smbd-session/streams/stream_open.h"
#include "smbd-session/vfs/fileops_util.h"
#include "smbd-session/vfs/path.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session {
namespace {

using namespace smb2;

enum : uint32_t { kSupersede = 0, kOpen = 1, kCreate = 2, kOpenIf = 3, kOverwrite = 4, kOverwriteIf = 5 };
enum : uint32_t { kActSuperseded = 0, kActOpened = 1, kActCreated = 2, kActOverwritten = 3 };
constexpr uint32_t kOptDirectory = 0x1, kOptNonDirectory = 0x40, kOptDeleteOnClose = 0x1000,
                   kOptOpenByFileId = 0x2000;
constexpr uint32_t kValidAccess = 0xF31F01FF;
constexpr uint32_t kDataAccess = kFileReadData | kFileWriteData | kFileAppendData | kFileExecute;
constexpr uint32_t kWriteLike = kFileWriteData | kFileAppendData | kFileWriteEa |
                                kFileWriteAttributes | kDelete | kWriteDac | kWriteOwner;

void write_times(ByteWriter& w, const vfs::FileStat& st) {
  w.u64(st.creation);
  w.u64(st.last_access);
  w.u64(st.last_write);
  w.u64(st.change);
}


NtStatus open_pipe(Request& req, const CreateRequest& cr, ByteWriter& out) {
  std::optional<std::string> name = utf16le_to_utf8(cr.name);
  if (!name || name->empty()) return status::kObjectNameInvalid;
  std::string pipe = ascii_lower(*name);
  if (!pipe.empty() && pipe[0] == '\\') pipe.erase(0, 1);
  uint32_t handle = 0;
  NtStatus s = rpc_open(req.conn, pipe, req.session->identity.user, &handle);
  if (s != status::kSuccess) return s;
  auto o = std::make_unique<Open>();
  o->id.volatile_ = req.conn.next_volatile_id++;
  o->id.persistent = o->id.volatile_;
  o->is_pipe = true;
  o->pipe_handle = handle;
  o->path = pipe;
  o->access = vfs::map_generic(cr.desired_access);
  o->share_access = cr.share_access;
  FileId id = o->id;
  req.tree->opens[id.volatile_] = std::move(o);
  req.conn.open_count++;
  if (req.compound_file_id) *req.compound_file_id = id;

  out.u16(89);
  out.u8(0);
  out.u8(0);
  out.u32(kActOpened);
  out.zeros(32);           // times
  out.u64(4096);           // allocation size
  out.u64(0);              // end of file
  out.u32(kAttrNormal);
  out.u32(0);
  write_file_id(out, id);
  out.u32(0);
  out.u32(0);
  out.u8(0);
  return status::kSuccess;
}

// Opens the real fd for an existing object found at `path`, checking it is
// still the inode `pfd` named when the access check was made.
NtStatus reopen(int root, const std::string& path, int flags, const ShareConfig& share,
                const vfs::FileStat& st, UniqueFd* out) {
  UniqueFd fd(vfs::open_beneath(root, path, flags, 0, share.follow_symlinks));
  if (!fd) return vfs::lookup_status(errno);
  struct stat sb;
  if (fstat(fd.get(), &sb) != 0) return status_from_errno(errno);
  if (sb.st_ino != st.ino) return status::kSharingViolation;  // replaced under us
  *out = std::move(fd);
  return status::kSuccess;
}

}  // namespace

// Set when the name appeared between our lookup and our create (another
// client created it): a disposition that may open an existing object then
// tries once more instead of failing with OBJECT_NAME_COLLISION.
static bool create_raced = false;

static NtStatus create_once(Request& req, ByteWriter& out) {
  CreateRequest cr;
  NtStatus s = parse_create_request(req.pdu, req.body, &cr);
  if (s != status::kSuccess) return s;
  // Durable handles (durable.h): a reconnect reclaims a parked handle; the
  // request's other fields are not looked at (MS-SMB2 3.3.5.9.7, 3.3.5.9.12).
  s = durable_check_contexts(req, cr);
  if (s != status::kSuccess) return s;
  if (cr.find("DHnC") || cr.find("DH2C")) return durable_reconnect(req, cr, out);
  if (cr.impersonation > 3) return kStatusBadImpersonationLevel;
  if (cr.disposition > kOverwriteIf) return status::kInvalidParameter;
  if ((cr.options & kOptDirectory) && (cr.options & kOptNonDirectory)) return status::kInvalidParameter;
  if (cr.share_access & ~uint32_t(7)) return status::kInvalidParameter;
  if ((cr.options & kOptDirectory) && (cr.file_attributes & vfs::kAttrTemporary))
    return status::kInvalidParameter;  // a temporary directory makes no sense to Windows either
  if (cr.desired_access & kAccessSystemSecurity) return status::kPrivilegeNotHeld;
  if (cr.desired_access & ~kValidAccess) return status::kAccessDenied;
  // Checked after the access mask: Windows answers a reserved access bit
  // with ACCESS_DENIED even when the attributes are invalid too.
  if (cr.file_attributes & vfs::kInvalidAttrs) return status::kInvalidParameter;
  // Reserved option bits are invalid; CREATE_TREE_CONNECTION (0x80),
  // OPEN_BY_FILE_ID (0x2000) and RESERVE_OPFILTER (0x100000) are not
  // supported (the answers Windows gives over SMB2).
  if (cr.options & 0xFF000000) return status::kInvalidParameter;
  if (cr.options & (0x80 | kOptOpenByFileId | 0x100000)) return status::kNotSupported;
  // An open asking for no access at all is refused (as Windows does).
  if (cr.desired_access == 0 && !req.tree->is_ipc) return status::kAccessDenied;
  const CreateContext* alsi = cr.find("AlSi");
  // "ExtA": EAs for a new or overwritten file, checked before anything is
  // created (info/ea.h).
  std::vector<info::Ea> create_eas;
  if (const CreateContext* ea = cr.find("ExtA")) {
    NtStatus es = info::parse_full_ea_list(ea->data, &create_eas);
    if (es != status::kSuccess) return es;
  }
  if ((cr.options & kOptDirectory) &&
      !(cr.disposition == kCreate || cr.disposition == kOpen || cr.disposition == kOpenIf))
    return status::kInvalidParameter;
  if (req.conn.open_count >= req.conn.config.global.max_open_files) return status::kTooManyOpenedFiles;
  if (req.tree->is_ipc) return open_pipe(req, cr, out);

  const ShareConfig& share = share_of(req);
  const int root = req.tree->root.get();
  const uint32_t uid = req.session->identity.uid;
  const acl::Token tok = acl::make_token(req.session->identity);
  // The SD create context (MS-SMB2 2.2.13.2.1): validated even when the
  // object turns out to exist (then it is ignored, as Windows does).
  std::optional<acl::SecurityDescriptor> creator_sd;
  if (const CreateContext* secd = cr.find("SecD")) {
    creator_sd.emplace();
    s = acl::parse_creator(secd->data, tok, &*creator_sd);
    if (s != status::kSuccess) return s;
  }
  uint32_t desired = vfs::map_generic(cr.desired_access);
  const bool max_allowed = desired & kMaximumAllowed;
  desired &= ~kMaximumAllowed;
  if ((cr.options & kOptDeleteOnClose) && !(desired & kDelete) && !max_allowed)
    return status::kInvalidParameter;  // MS-FSA 2.1.5.1: DELETE_ON_CLOSE needs DELETE

  // A previous-version (snapshot) open: we have no snapshots.
  if (cr.find("TWrp")) return status::kObjectNameNotFound;
  // SMB 3.1.1 POSIX extensions (posix/posix_ext.h): mode bits for a new
  // object, POSIX metadata in the response.
  const CreateContext* posix_cc = req.conn.posix_ext ? cr.find(posix::create_context_name()) : nullptr;
  uint32_t posix_mode = 0;
  if (posix_cc && !posix::requested_mode(posix_cc->data, &posix_mode)) return status::kInvalidParameter;

  vfs::ParsedName pn;
  s = vfs::parse_wire_name(cr.name, vfs::NameUse::kCreate, &pn);
  if (s != status::kSuccess) return s;
  const bool may_create = cr.disposition != kOpen && cr.disposition != kOverwrite;
  if (pn.named_stream) return streams::create(req, cr, pn, out);
  // "name::$DATA" is the file's data: never a directory (MS-FSCC 2.1.5.4).
  if (pn.explicit_data && (cr.options & kOptDirectory)) return status::kNotADirectory;
  if (vfs::path_vetoed(pn.path, share.veto_files))
    return may_create ? status::kAccessDenied : status::kObjectNameNotFound;

  std::string path;
  bool exists = false;
  s = vfs::resolve_path(root, pn.path, share, &path, &exists);
  if (s != status::kSuccess) return s;

  UniqueFd fd;
  vfs::FileStat st;
  uint32_t action = kActOpened;
  uint32_t granted = 0, maximal = 0;
  bool created = false;
  std::string_view leaf = leaf_name(path);
  std::string_view parent_path, unused;
  vfs::split_parent(path, &parent_path, &unused);
  UniqueFd parent;
  if (!path.empty()) parent.reset(vfs::open_beneath(root, parent_path, O_PATH | O_DIRECTORY, 0, share.follow_symlinks));

  bool overwrite_later = false;
  if (exists) {
    if (cr.disposition == kCreate) return status::kObjectNameCollision;
    UniqueFd pfd(vfs::open_beneath(root, path, O_PATH, 0, share.follow_symlinks));
    if (!pfd) return vfs::lookup_status(errno);
    s = vfs::stat_fd(pfd.get(), share, leaf, &st);
    if (s != status::kSuccess) return s;
    if (is_delete_pending(req.conn, st.dev, st.ino)) return status::kDeletePending;
    if (st.is_dir && (cr.options & kOptNonDirectory)) return status::kFileIsADirectory;
    if (st.is_dir && pn.explicit_data) return status::kFileIsADirectory;
    if (!st.is_dir && (cr.options & kOptDirectory)) return status::kNotADirectory;
    if (!st.is_dir && pn.trailing_sep) return status::kObjectNameInvalid;
    const bool overwrite = cr.disposition == kSupersede || cr.disposition == kOverwrite ||
                           cr.disposition == kOverwriteIf;
    if (overwrite && st.is_dir) return status::kInvalidParameter;
    maximal = vfs::maximal_access(pfd.get(), st, parent.get(), uid, req.tree->writable);
    maximal = acl::restrict_existing(pfd.get(), parent.get(), tok, maximal);
    granted = max_allowed ? (maximal | desired) : desired;
    if (granted & ~maximal) return status::kAccessDenied;
    if (overwrite && !(maximal & kFileWriteData)) return status::kAccessDenied;
    // MS-FSA 2.1.5.1.2.1: overwriting a HIDDEN or SYSTEM file requires the
    // request to carry the same attribute. HIDDEN given by a name rule of
    // the share ("hide dot files", "hide files") is not the file's own.
    const bool hidden = (st.attrs & kAttrHidden) && !st.hidden_by_name;
    if (overwrite && ((hidden && !(cr.file_attributes & kAttrHidden)) ||
                      ((st.attrs & kAttrSystem) && !(cr.file_attributes & kAttrSystem))))
      return status::kAccessDenied;
    if (cr.options & kOptDeleteOnClose) {
      if (!(granted & kDelete)) return status::kAccessDenied;
      if (!st.is_dir && (st.attrs & kAttrReadonly)) return status::kCannotDelete;
    }

    bool want_read = granted & (kFileReadData | kFileExecute);
    bool want_write = (granted & (kFileWriteData | kFileAppendData)) || overwrite;
    if (st.is_dir) {
      // A readable directory gets a real fd (QUERY_DIRECTORY reads it).
      s = reopen(root, path, O_RDONLY | O_DIRECTORY, share, st, &fd);
      if (s == status::kAccessDenied) fd = std::move(pfd), s = status::kSuccess;
    } else if (st.is_regular && (want_read || want_write)) {
      int fl = want_write ? (want_read ? O_RDWR : O_WRONLY) : O_RDONLY;
      s = reopen(root, path, fl, share, st, &fd);
    } else if (granted & kDataAccess) {
      return status::kAccessDenied;  // no data access to devices, fifos, sockets
    } else {
      fd = std::move(pfd);
    }
    if (s != status::kSuccess) return s;
    // Truncated only once the broker agreed: other clients' cached writes
    // must be flushed (their oplocks/leases broken) first.
    overwrite_later = overwrite;
  } else {
    if (!may_create) return status::kObjectNameNotFound;
    if (!req.tree->writable) return status::kAccessDenied;
    if (!parent) return errno == ENOENT ? status::kObjectPathNotFound : vfs::lookup_status(errno);
    const bool dir = cr.options & kOptDirectory;
    if (pn.trailing_sep && !dir) return status::kObjectNameInvalid;
    // No encryption at rest here: refuse rather than pretend (Windows
    // without EFS answers the same).
    if (cr.file_attributes & 0x4000) return status::kAccessDenied;
    // A new read-only file could never be deleted on close.
    if ((cr.options & kOptDeleteOnClose) && (cr.file_attributes & kAttrReadonly))
      return status::kCannotDelete;
    s = acl::check_add(parent.get(), dir, tok);
    if (s != status::kSuccess) return s;
    std::string leaf_s(leaf);
    if (dir) {
      if (mkdirat(parent.get(), leaf_s.c_str(), share.directory_mask & 07777) != 0) {
        create_raced = errno == EEXIST && cr.disposition != kCreate;
        return status_from_errno(errno);
      }
      fd.reset(vfs::open_beneath(root, path, O_RDONLY | O_DIRECTORY, 0, share.follow_symlinks));
      if (!fd) {
        int e = errno;
        unlinkat(parent.get(), leaf_s.c_str(), AT_REMOVEDIR);
        return vfs::lookup_status(e);
      }
    } else {
      bool want_read = desired & (kFileReadData | kFileExecute);
      int fl = want_read || max_allowed ? O_RDWR : O_WRONLY;
      fd.reset(vfs::open_beneath(root, path, fl | O_CREAT | O_EXCL, 0666 & share.create_mask,
                                 share.follow_symlinks));
      if (!fd) {
        create_raced = errno == EEXIST && cr.disposition != kCreate;
        return vfs::lookup_status(errno);
      }
    }
    // The masks are the exact modes (the process umask must not narrow
    // them further); we own the new inode, so fchmod cannot fail on rights.
    fchmod(fd.get(), dir ? (share.directory_mask & 07777) : (0666 & share.create_mask));
    if (posix_cc)  // the client's mode, still within the share's masks
      fchmod(fd.get(), posix_mode & (dir ? share.directory_mask : share.create_mask) & 07777);
    // Inherited / client-supplied descriptor (may narrow the mode).
    uint32_t acl_max = ~0u;
    s = acl::apply_on_create(fd.get(), parent.get(), dir, creator_sd ? &*creator_sd : nullptr, tok,
                             &acl_max);
    if (s != status::kSuccess) {
      unlinkat(parent.get(), leaf_s.c_str(), dir ? AT_REMOVEDIR : 0);
      return s;
    }
    created = true;
    action = kActCreated;
    uint32_t keep = cr.file_attributes & vfs::kStorableAttrs & ~uint32_t(kAttrArchive);
    if (share.store_dos_attributes && keep) {
      uint32_t a = cr.file_attributes & vfs::kStorableAttrs;
      // A new file gets ARCHIVE; a new directory does not (as Windows).
      a = dir ? (a & ~uint32_t(kAttrArchive)) : (a | kAttrArchive);
      vfs::store_dos_attributes(fd.get(), a);
    }
    s = vfs::stat_fd(fd.get(), share, leaf, &st);
    if (s == status::kSuccess) {
      maximal = vfs::maximal_access(fd.get(), st, parent.get(), uid, req.tree->writable) & acl_max;
      // The creator gets what it asked for (the fd is already open), within
      // what a read-write tree allows.
      granted = max_allowed ? (maximal | desired) : desired;
      maximal |= granted;
    }
    if (s == status::kSuccess && (cr.options & kOptDeleteOnClose) && !(granted & kDelete))
      s = status::kAccessDenied;
    if (s != status::kSuccess) {
      unlinkat(parent.get(), leaf_s.c_str(), dir ? AT_REMOVEDIR : 0);
      return s;
    }
  }

  // A stream of the file held open without FILE_SHARE_DELETE keeps the file
  // from being opened for DELETE (streams/stream_open.h).
  if (!created && (granted & kDelete) && streams::stream_blocks_delete(req.conn, st.dev, st.ino))
    return status::kSharingViolation;
  // Share modes across every client: the master's broker decides.
  ipc::master::ShareOpen so;
  so.open_id = req.conn.next_broker_id++;
  so.dev = st.dev;
  so.ino = st.ino;
  so.access = granted;
  so.share_access = cr.share_access;
  // With the oplock/lease request (oplock.h): kPending means the CREATE
  // waits for other clients' caches to break and runs again afterwards.
  CachingGrant cg;
  s = caching_open(req, cr, so, st.is_dir, overwrite_later, &cg);
  if (s != status::kSuccess) {
    if (created) unlinkat(parent.get(), std::string(leaf).c_str(), st.is_dir ? AT_REMOVEDIR : 0);
    return s;
  }
  if (overwrite_later) {
    if (ftruncate(fd.get(), 0) != 0) {
      s = status_from_errno(errno);
      broker_share_close(req.conn, so.open_id);
      return s;
    }
    if (share.streams) streams::drop_all(fd.get());  // an overwrite drops the named streams
    if (share.store_dos_attributes)
      vfs::store_dos_attributes(fd.get(), (cr.file_attributes & vfs::kStorableAttrs) | kAttrArchive);
    action = cr.disposition == kSupersede ? kActSuperseded : kActOverwritten;
  }

  auto o = std::make_unique<Open>();
  o->id.volatile_ = req.conn.next_volatile_id++;
  o->id.persistent = o->id.volatile_;
  o->fd = std::move(fd);
  o->path = path;
  o->is_directory = st.is_dir;
  o->access = granted;
  o->share_access = cr.share_access;
  o->create_options = cr.options;
  o->delete_on_close = cr.options & kOptDeleteOnClose;
  o->broker_id = so.open_id;
  o->oplock_level = cg.oplock;
  o->dev = st.dev;
  o->ino = st.ino;
  if (parent) vfs::file_key(parent.get(), &o->parent_dev, &o->parent_ino);
  if (cg.has_parent) {
    o->has_parent_lease = true;
    o->parent_lease_key = cg.parent_key;
  }
  DurableGrant dg;
  durable_grant(req, cr, *o, cg, &dg);
  FileId id = o->id;

  // AllocationSize context on a new or overwritten file: reserve the space
  // (a hint where the file system cannot).
  if (alsi && action != kActOpened && !st.is_dir && !fd_is_opath(o->fd.get())) {
    ByteReader ar(alsi->data);
    uint64_t want = ar.u64();
    if (ar.ok() && want && want < uint64_t(INT64_MAX))
      (void)fallocate(o->fd.get(), FALLOC_FL_KEEP_SIZE, 0, off_t(want));
  }
  if (action != kActOpened)
    for (const info::Ea& e : create_eas) (void)info::ea_set(o->fd.get(), e);
  // Times and sizes after any truncation or allocation.
  if (action != kActOpened) vfs::stat_fd(o->fd.get(), share, leaf, &st);

  out.u16(89);
  out.u8(cg.oplock);  // 0xFF: a lease, in the RqLs context below
  out.u8(0);
  out.u32(action);
  write_times(out, st);
  out.u64(st.alloc);
  out.u64(st.size);
  out.u32(st.attrs);
  out.u32(0);
  write_file_id(out, id);
  // Response contexts start right after the 88-byte fixed part, at header
  // offset 152, which is 8-aligned.
  ByteWriter ctx;
  size_t prev = SIZE_MAX;
  if (cr.find("MxAc")) {
    ByteWriter d;
    d.u32(0);
    d.u32(maximal);
    put_context(ctx, &prev, "MxAc", d.view());
  }
  if (cr.find("QFid")) {
    ByteWriter d;
    d.u64(st.ino);
    d.u64(st.dev);
    d.zeros(16);  // VolumeId: not tracked
    put_context(ctx, &prev, "QFid", d.view());
  }
  if (cg.lease) {
    std::vector<uint8_t> d = lease_response_context(cg);
    put_context(ctx, &prev, "RqLs", {d.data(), d.size()});
  }
  if (dg.granted) put_context(ctx, &prev, dg.context, {dg.data.data(), dg.data.size()});
  if (posix_cc) {
    ByteWriter d;
    posix::put_create_response(d, st);
    put_context(ctx, &prev, posix::create_context_name(), d.view());
  }
  put_context_tail(out, ctx);

  // A new name, or a file emptied, changes the directory's entries.
  if (action != kActOpened) caching_parent_changed(req.conn, *o);
  req.tree->opens[id.volatile_] = std::move(o);
  req.conn.open_count++;
  if (req.compound_file_id) *req.compound_file_id = id;
  return status::kSuccess;
}

NtStatus handle_create(Request& req, ByteWriter& out) {
  create_raced = false;
  NtStatus st = create_once(req, out);
  if (create_raced) {
    // Nothing was written yet: the response is built only on success.
    create_raced = false;
    st = create_once(req, out);
  }
  return st;
}

}  // namespace cifsd::session
