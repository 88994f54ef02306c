#include "smbd-session/streams/stream_open.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.h"
#include "common/util/utf16.h"
#include "smbd-session/connection.h"
#include "smbd-session/info/setinfo_parse.h"
#include "smbd-session/smb2_types.h"
#include "smbd-session/streams/stream_name.h"
#include "smbd-session/streams/stream_store.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session::streams {
namespace {

// errno of an xattr write to the status Windows would give.
NtStatus write_status(int e) {
  if (e == ENOSPC || e == E2BIG || e == EDQUOT) return status::kDiskFull;
  if (e == ENOTSUP) return status::kNotSupported;
  return status_from_errno(e);
}

uint64_t alloc_of(uint64_t size) { return (size + 4095) & ~uint64_t(4095); }

}  // namespace

NtStatus read_at(const Open& o, uint64_t offset, std::vector<uint8_t>* buf, size_t* got) {
  *got = 0;
  std::vector<uint8_t> data;
  int e = read_stream(o.fd.get(), o.stream->name, &data);
  if (e == ENOENT) return status::kFileClosed;  // removed under us (deleted stream)
  if (e) return status_from_errno(e);
  if (offset >= data.size()) return status::kSuccess;
  size_t n = std::min(buf->size(), size_t(data.size() - offset));
  std::copy(data.begin() + offset, data.begin() + offset + n, buf->begin());
  *got = n;
  return status::kSuccess;
}

NtStatus write_at(Open& o, uint64_t offset, Bytes data, bool append_only, uint64_t* end) {
  std::vector<uint8_t> cur;
  int e = read_stream(o.fd.get(), o.stream->name, &cur);
  if (e == ENOENT) return status::kFileClosed;
  if (e) return status_from_errno(e);
  if (append_only) offset = cur.size();
  if (offset > kMaxStreamSize || data.size() > kMaxStreamSize - offset) return status::kDiskFull;
  if (cur.size() < offset + data.size()) cur.resize(offset + data.size());
  std::copy(data.begin(), data.end(), cur.begin() + offset);
  e = write_stream(o.fd.get(), o.stream->name, cur);
  if (e) return write_status(e);
  *end = offset + data.size();
  return status::kSuccess;
}

NtStatus set_size(Open& o, uint64_t size, bool allocation) {
  if (!(o.access & smb2::kFileWriteData)) return status::kAccessDenied;
  std::vector<uint8_t> cur;
  int e = read_stream(o.fd.get(), o.stream->name, &cur);
  if (e == ENOENT) return status::kFileClosed;
  if (e) return status_from_errno(e);
  if (allocation && size >= cur.size()) return status::kSuccess;  // nothing to reserve
  if (size > kMaxStreamSize) return status::kDiskFull;
  if (size == cur.size()) return status::kSuccess;
  cur.resize(size_t(size));
  e = write_stream(o.fd.get(), o.stream->name, cur);
  return e ? write_status(e) : status::kSuccess;
}

void adjust_stat(const Open& o, vfs::FileStat* st) {
  if (!o.stream) return;
  std::string stored;
  uint64_t size = 0;
  if (find_stream(o.fd.get(), o.stream->name, &stored, &size) != 0) size = 0;
  st->size = size;
  st->alloc = alloc_of(size);
  st->is_dir = false;  // a stream of a directory is a data stream
}

NtStatus stream_information(const Open& o, std::vector<uint8_t>* out, size_t* fixed) {
  struct Item {
    std::string name;
    uint64_t size, alloc;
  };
  std::vector<Item> items;
  vfs::FileStat base;
  // stat_fd needs no share settings for sizes; an empty share is fine here.
  static const ShareConfig kNoShare;
  NtStatus s = vfs::stat_fd(o.fd.get(), kNoShare, "", &base);
  if (s != status::kSuccess) return s;
  if (!base.is_dir) items.push_back({"::$DATA", base.size, base.alloc});
  std::vector<StreamEntry> named;
  int e = list_streams(o.fd.get(), &named);
  if (e && e != EACCES) return status_from_errno(e);
  for (const StreamEntry& n : named) items.push_back({":" + n.name + ":$DATA", n.size, alloc_of(n.size)});

  ByteWriter w(*out);
  size_t prev = SIZE_MAX;
  *fixed = 0;
  for (const Item& it : items) {
    if (prev != SIZE_MAX) {
      w.align(8);
      w.patch_u32(prev, uint32_t(w.size() - prev));
    }
    prev = w.size();
    std::vector<uint8_t> name = utf8_to_utf16le(it.name);
    w.u32(0);  // NextEntryOffset, patched when another entry follows
    w.u32(uint32_t(name.size()));
    w.u64(it.size);
    w.u64(it.alloc);
    w.bytes(name);
    *fixed = 32;  // as Windows counts it: the structure with one padded WCHAR
  }
  return status::kSuccess;
}

bool is_stream_target(Bytes t) { return t.size() >= 2 && t[0] == ':' && t[1] == 0; }

namespace {

// A stream handle renamed to "<file>:<stream>" (a target with a file part).
// Windows treats the target as the file itself: when it names the file the
// stream belongs to, that file is in use by this very handle, so the answer
// is SHARING_VIOLATION (smb2.streams.rename2); any other file is not a
// valid target for a stream.
NtStatus full_path_target(const Open& o, Bytes target_utf16) {
  std::optional<std::string> t = utf16le_to_utf8(target_utf16);
  if (!t) return status::kObjectNameInvalid;
  std::string path = *t;
  for (char& c : path)
    if (c == '\\') c = '/';
  while (!path.empty() && path.front() == '/') path.erase(path.begin());
  size_t slash = path.rfind('/');
  size_t colon = path.find(':', slash == std::string::npos ? 0 : slash + 1);
  if (colon == std::string::npos || colon == 0) return status::kInvalidParameter;
  path.resize(colon);
  return same_stream(path, o.path) ? status::kSharingViolation : status::kInvalidParameter;
}

// A named stream renamed to the default data stream ("::$DATA"): MS-FSA
// allows it when the replace flag is set and the file's own data is empty;
// the stream's data becomes the file's data, the named stream disappears and
// the handle is from then on an open of the file's data.
NtStatus to_default_stream(Request& req, Open& o, bool replace) {
  if (!replace) return status::kObjectNameCollision;  // the default stream always exists
  struct stat st;
  if (fstat(o.fd.get(), &st) != 0) return status_from_errno(errno);
  if (!S_ISREG(st.st_mode)) return status::kInvalidParameter;  // a directory has no data stream
  if (st.st_size != 0) return status::kInvalidParameter;        // only an empty target is replaced
  // Another handle of the file's data blocks it.
  for (const auto& [sid, sess] : req.conn.sessions)
    for (const auto& [tid, tree] : sess->trees)
      for (const auto& [vid, other] : tree->opens)
        if (other.get() != &o && !other->stream && other->dev == o.dev && other->ino == o.ino)
          return status::kSharingViolation;
  std::vector<uint8_t> data;
  int e = read_stream(o.fd.get(), o.stream->name, &data);
  if (e) return status_from_errno(e);
  UniqueFd wfd(vfs::open_beneath(req.tree->root.get(), o.path, O_RDWR, 0,
                                 req.tree->share->follow_symlinks));
  if (!wfd) return status_from_errno(errno);
  struct stat wst;
  if (fstat(wfd.get(), &wst) != 0) return status_from_errno(errno);
  if (wst.st_dev != st.st_dev || wst.st_ino != st.st_ino) return status::kSharingViolation;  // replaced under us
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pwrite(wfd.get(), data.data() + done, data.size() - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int we = n < 0 ? errno : ENOSPC;
      if (ftruncate(wfd.get(), 0) != 0) LOG_W("stream rename: undoing a partial write failed");
      return write_status(we);
    }
    done += size_t(n);
  }
  if ((e = remove_stream(o.fd.get(), o.stream->name)) != 0 && e != ENOENT)
    LOG_W("stream rename: removing the old name: %s", strerror(e));
  o.stream.reset();
  o.fd = std::move(wfd);
  return status::kSuccess;
}

}  // namespace

NtStatus rename(Request& req, Open& o, Bytes target_utf16, bool replace) {
  if (!(o.access & smb2::kDelete)) return status::kAccessDenied;
  if (o.stream && !is_stream_target(target_utf16)) return full_path_target(o, target_utf16);
  // Only ":name[:$DATA]" targets: a stream cannot become a file of its own,
  // nor a file's data a named stream, by a rename.
  if (!o.stream || !is_stream_target(target_utf16)) return status::kInvalidParameter;
  std::optional<std::string> t = utf16le_to_utf8(target_utf16);
  if (!t) return status::kObjectNameInvalid;
  StreamSpec spec;
  NtStatus s = parse_stream_suffix(std::string_view(*t).substr(1), &spec);
  if (s != status::kSuccess) return s;
  if (!req.tree->writable) return status::kAccessDenied;
  if (spec.name.empty()) return to_default_stream(req, o, replace);
  const int fd = o.fd.get();
  if (same_stream(spec.name, o.stream->name)) {
    if (spec.name == o.stream->name) return status::kSuccess;
    // Case-only change: same data under the new spelling.
  } else {
    std::string stored;
    uint64_t size = 0;
    int e = find_stream(fd, spec.name, &stored, &size);
    if (e == 0) {
      if (!replace) return status::kObjectNameCollision;
      // MS-FSA: a stream is only replaced by a rename if it is empty.
      if (size != 0) return status::kInvalidParameter;
      // An open stream cannot be replaced.
      for (const auto& [sid, sess] : req.conn.sessions)
        for (const auto& [tid, tree] : sess->trees)
          for (const auto& [vid, other] : tree->opens)
            if (other.get() != &o && other->stream && other->dev == o.dev && other->ino == o.ino &&
                same_stream(other->stream->name, spec.name))
              return status::kSharingViolation;
      if ((e = remove_stream(fd, stored)) != 0 && e != ENOENT) return status_from_errno(e);
    } else if (e != ENOENT) {
      return status_from_errno(e);
    }
  }
  std::vector<uint8_t> data;
  int e = read_stream(fd, o.stream->name, &data);
  if (e) return status_from_errno(e);
  if (!same_stream(spec.name, o.stream->name)) {
    if ((e = write_stream(fd, spec.name, data, true)) != 0) return write_status(e);
  } else {
    // Case change: remove first, the xattr names differ only in case.
    if ((e = write_stream(fd, spec.name, data, false)) != 0) return write_status(e);
  }
  if ((e = remove_stream(fd, o.stream->name)) != 0 && e != ENOENT)
    LOG_W("stream rename: removing the old name: %s", strerror(e));
  o.stream->name = spec.name;
  return status::kSuccess;
}

bool stream_blocks_delete(Connection& conn, uint64_t dev, uint64_t ino) {
  for (const auto& [sid, sess] : conn.sessions)
    for (const auto& [tid, tree] : sess->trees)
      for (const auto& [vid, o] : tree->opens)
        if (o->stream && o->dev == dev && o->ino == ino && !(o->share_access & smb2::kShareDelete))
          return true;
  return false;
}

void drop_all(int fd) {
  int e = remove_all_streams(fd);
  if (e && e != ENOTSUP) LOG_W("overwrite: removing named streams: %s", strerror(e));
}

bool on_close(Open& o) {
  if (!o.stream) return false;
  if (o.delete_on_close) {
    int e = remove_stream(o.fd.get(), o.stream->name);
    if (e && e != ENOENT) LOG_I("delete on close of a stream failed: %s", strerror(e));
  }
  return true;
}

}  // namespace cifsd::session::streams
