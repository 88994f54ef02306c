#include "smbd-session/streams/stream_open.h"

#include <cerrno>

#include "common/log/log.h"
#include "common/util/utf16.h"
#include "smbd-session/connection.h"
#include "smbd-session/info/setinfo_parse.h"
#include "smbd-session/smb2_types.h"
#include "smbd-session/streams/stream_name.h"
#include "smbd-session/streams/stream_store.h"

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

NtStatus rename(Request& req, Open& o, Bytes target_utf16, bool replace) {
  if (!(o.access & smb2::kDelete)) return status::kAccessDenied;
  // Only ":name[:$DATA]" targets: a stream cannot become a file of its own,
  // nor a file's data a named stream, by a rename.
  if (!o.stream || !is_stream_target(target_utf16)) return status::kInvalidParameter;
  std::optional<std::string> t = utf16le_to_utf8(target_utf16);
  if (!t) return status::kObjectNameInvalid;
  StreamSpec spec;
  NtStatus s = parse_stream_suffix(std::string_view(*t).substr(1), &spec);
  if (s != status::kSuccess) return s;
  if (spec.name.empty()) return status::kInvalidParameter;  // to the default stream: not supported
  if (!req.tree->writable) return status::kAccessDenied;
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
