// CREATE of a named stream ("file:stream[:$DATA]"): finds or creates the
// base file (a stream of a missing file creates the file too, as Windows
// does), checks access against the base file, then finds or creates the
// stream's xattr. The open keeps a read-only (or O_PATH) fd of the base.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/delete_pending.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/info/create_parse.h"
#include "smbd-session/oplock.h"
#include "smbd-session/smb2_types.h"
#include "smbd-session/streams/stream_name.h"
#include "smbd-session/streams/stream_open.h"
#include "smbd-session/streams/stream_store.h"
#include "smbd-session/vfs/fileops_util.h"

namespace cifsd::session::streams {
namespace {

using namespace smb2;

enum : uint32_t { kSupersede = 0, kOpen = 1, kCreate = 2, kOpenIf = 3, kOverwrite = 4, kOverwriteIf = 5 };
enum : uint32_t { kActSuperseded = 0, kActOpened = 1, kActCreated = 2, kActOverwritten = 3 };
constexpr uint32_t kOptDirectory = 0x1, kOptDeleteOnClose = 0x1000;


// Opens the fd a stream open keeps: read-only if the user may read the
// object, else O_PATH (the xattr calls then go through /proc).
UniqueFd open_base(int root, const std::string& path, bool is_dir, const ShareConfig& share) {
  int fl = O_RDONLY | (is_dir ? O_DIRECTORY : 0);
  UniqueFd fd(vfs::open_beneath(root, path, fl, 0, share.follow_symlinks));
  if (!fd && errno == EACCES) fd.reset(vfs::open_beneath(root, path, O_PATH, 0, share.follow_symlinks));
  return fd;
}

}  // namespace

NtStatus create(Request& req, const CreateRequest& cr, const vfs::ParsedName& pn, ByteWriter& out) {
  const ShareConfig& share = share_of(req);
  const bool may_create = cr.disposition != kOpen && cr.disposition != kOverwrite;
  if (!share.streams) return may_create ? status::kNotSupported : status::kObjectNameNotFound;
  // A stream is never a directory.
  if (cr.options & kOptDirectory) return status::kNotADirectory;
  if (vfs::path_vetoed(pn.path, share.veto_files))
    return may_create ? status::kAccessDenied : status::kObjectNameNotFound;
  if (pn.path.empty()) return status::kObjectNameInvalid;  // streams of the share root: no

  const int root = req.tree->root.get();
  const uint32_t uid = req.session->identity.uid;
  uint32_t desired = vfs::map_generic(cr.desired_access);
  const bool max_allowed = desired & kMaximumAllowed;
  desired &= ~kMaximumAllowed;

  std::string path;
  bool exists = false;
  NtStatus s = vfs::resolve_path(root, pn.path, share, &path, &exists);
  if (s != status::kSuccess) return s;
  std::string_view parent_path, leaf;
  vfs::split_parent(path, &parent_path, &leaf);
  UniqueFd parent(vfs::open_beneath(root, parent_path, O_PATH | O_DIRECTORY, 0, share.follow_symlinks));
  const std::string leaf_s(leaf);

  UniqueFd fd;
  vfs::FileStat st;
  uint32_t granted = 0, maximal = 0;
  bool created_base = false;
  if (exists) {
    UniqueFd pfd(vfs::open_beneath(root, path, O_PATH, 0, share.follow_symlinks));
    if (!pfd) return vfs::lookup_status(errno);
    if ((s = vfs::stat_fd(pfd.get(), share, leaf, &st)) != status::kSuccess) return s;
    if (!st.is_dir && !st.is_regular) return status::kObjectNameNotFound;
    // The base file is delete pending (delete_pending.h): so are its streams.
    if (is_delete_pending(req.conn, st.dev, st.ino)) return status::kDeletePending;
    maximal = vfs::maximal_access(pfd.get(), st, parent.get(), uid, req.tree->writable);
    granted = max_allowed ? (maximal | desired) : desired;
    if (granted & ~maximal) return status::kAccessDenied;
    fd = open_base(root, path, st.is_dir, share);
    if (!fd) return vfs::lookup_status(errno);
    struct stat sb;
    if (fstat(fd.get(), &sb) != 0 || sb.st_ino != st.ino) return status::kSharingViolation;
  } else {
    if (!may_create) return status::kObjectNameNotFound;
    if (!req.tree->writable) return status::kAccessDenied;
    if (!parent) return errno == ENOENT ? status::kObjectPathNotFound : vfs::lookup_status(errno);
    // The base file is created empty, as Windows does for "new:stream".
    fd.reset(vfs::open_beneath(root, path, O_RDONLY | O_CREAT | O_EXCL, 0666 & share.create_mask,
                               share.follow_symlinks));
    if (!fd) return vfs::lookup_status(errno);
    fchmod(fd.get(), 0666 & share.create_mask);
    created_base = true;
    if (share.store_dos_attributes)
      vfs::store_dos_attributes(fd.get(), (cr.file_attributes & vfs::kStorableAttrs) | kAttrArchive);
    if ((s = vfs::stat_fd(fd.get(), share, leaf, &st)) == status::kSuccess) {
      maximal = vfs::maximal_access(fd.get(), st, parent.get(), uid, req.tree->writable);
      granted = max_allowed ? (maximal | desired) : desired;
      maximal |= granted;
    }
    if (s != status::kSuccess) {
      unlinkat(parent.get(), leaf_s.c_str(), 0);
      return s;
    }
  }
  auto undo_base = [&]() {
    if (created_base) unlinkat(parent.get(), leaf_s.c_str(), 0);
  };

  // The stream itself.
  std::string stored;
  uint64_t size = 0;
  uint32_t action = kActOpened;
  bool created_stream = false;
  int e = find_stream(fd.get(), pn.stream, &stored, &size);
  if (e == 0) {
    if (cr.disposition == kCreate) return status::kObjectNameCollision;
    if (cr.disposition == kSupersede || cr.disposition == kOverwrite || cr.disposition == kOverwriteIf) {
      if (!(maximal & kFileWriteData)) return status::kAccessDenied;
      if ((e = write_stream(fd.get(), stored, {})) != 0)
        return e == EACCES || e == EPERM ? status::kAccessDenied : status_from_errno(e);
      size = 0;
      action = cr.disposition == kSupersede ? kActSuperseded : kActOverwritten;
    }
  } else if (e == ENOENT) {
    if (!may_create) {
      undo_base();
      return status::kObjectNameNotFound;
    }
    if (!req.tree->writable) return status::kAccessDenied;
    e = write_stream(fd.get(), pn.stream, {}, true);
    if (e) {
      undo_base();
      if (e == EACCES || e == EPERM) return status::kAccessDenied;
      if (e == ENOTSUP) return status::kNotSupported;
      if (e == ENOSPC || e == E2BIG) return status::kDiskFull;
      return status_from_errno(e);
    }
    stored = pn.stream;
    created_stream = true;
    action = kActCreated;
  } else {
    undo_base();
    return e == EACCES ? status::kAccessDenied : status_from_errno(e);
  }
  if ((cr.options & kOptDeleteOnClose) && !(granted & kDelete)) {
    if (created_stream) remove_stream(fd.get(), stored);
    undo_base();
    return status::kAccessDenied;
  }

  // Share modes: the stream's own key in the broker.
  ipc::master::ShareOpen so;
  so.open_id = req.conn.next_broker_id++;
  broker_key(st.dev, st.ino, stored, &so.dev, &so.ino);
  so.access = granted;
  so.share_access = cr.share_access;
  // With the oplock or lease asked for: a stream caches on its own key
  // (oplock.h; kPending: the CREATE runs again after the break).
  CachingGrant cg;
  s = caching_open(req, cr, so, false, action == kActOverwritten || action == kActSuperseded, &cg);
  if (s != status::kSuccess) {
    if (created_stream) remove_stream(fd.get(), stored);
    undo_base();
    return s;
  }

  auto o = std::make_unique<Open>();
  o->id.volatile_ = req.conn.next_volatile_id++;
  o->id.persistent = o->id.volatile_;
  o->fd = std::move(fd);
  o->path = path;
  o->is_directory = false;
  o->access = granted;
  o->share_access = cr.share_access;
  o->create_options = cr.options;
  o->delete_on_close = cr.options & kOptDeleteOnClose;
  o->broker_id = so.open_id;
  o->oplock_level = cg.oplock;
  o->dev = st.dev;
  o->ino = st.ino;
  o->stream = std::make_shared<StreamOpen>();
  o->stream->name = stored;
  FileId id = o->id;
  if (action != kActOpened) vfs::stat_fd(o->fd.get(), share, leaf, &st);
  adjust_stat(*o, &st);

  out.u16(89);
  out.u8(cg.oplock);  // 0xFF: a lease, in the RqLs context below
  out.u8(0);
  out.u32(action);
  out.u64(st.creation);
  out.u64(st.last_access);
  out.u64(st.last_write);
  out.u64(st.change);
  out.u64(st.alloc);
  out.u64(st.size);
  out.u32(st.attrs & ~uint32_t(kAttrDirectory));
  out.u32(0);
  write_file_id(out, id);
  ByteWriter ctx;
  size_t prev = SIZE_MAX;
  if (cr.find("MxAc")) {
    ByteWriter d;
    d.u32(0);
    d.u32(maximal);
    put_context(ctx, &prev, "MxAc", d.view());
  }
  if (cg.lease) {
    std::vector<uint8_t> d = lease_response_context(cg);
    put_context(ctx, &prev, "RqLs", {d.data(), d.size()});
  }
  if (cr.find("QFid")) {
    ByteWriter d;
    d.u64(st.ino);
    d.u64(st.dev);
    d.zeros(16);
    put_context(ctx, &prev, "QFid", d.view());
  }
  put_context_tail(out, ctx);
  req.tree->opens[id.volatile_] = std::move(o);
  req.conn.open_count++;
  if (req.compound_file_id) *req.compound_file_id = id;
  return status::kSuccess;
}

}  // namespace cifsd::session::streams
