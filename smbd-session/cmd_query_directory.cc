// SMB2 QUERY_DIRECTORY (MS-SMB2 3.3.5.18, MS-FSCC 2.4): directory listing
// with DOS wildcards. The cursor lives in Open::dir_cursor; the directory is
// read with getdents64 in 64 KiB batches, so a listing is linear in size.
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "common/util/utf16.h"
#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/info/encode.h"
#include "smbd-session/mangle/short_name.h"
#include "smbd-session/posix/posix_ext.h"
#include "smbd-session/vfs/fileops_util.h"
#include "smbd-session/vfs/path.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session {
namespace {

constexpr uint8_t kRestartScans = 0x01, kReturnSingleEntry = 0x02, kIndexSpecified = 0x04,
                  kReopen = 0x10;

struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

struct DirCursor {
  std::string pattern = "*";
  int dots = 0;                   // how many of ".", ".." were handled
  std::vector<char> buf = std::vector<char>(64 * 1024);
  long len = 0, off = 0;
  bool eof = false;
  bool any_returned = false;
  // An entry that did not fit in the previous reply, sent first next time.
  std::optional<std::pair<std::string, vfs::FileStat>> pending;
};

// Next entry name from getdents64 (skipping "." and ".."), or nullopt.
std::optional<std::string> next_name(int fd, DirCursor& c, unsigned char* type) {
  for (;;) {
    if (c.off >= c.len) {
      if (c.eof) return std::nullopt;
      long n = syscall(SYS_getdents64, fd, c.buf.data(), c.buf.size());
      if (n <= 0) {
        c.eof = true;
        return std::nullopt;
      }
      c.len = n;
      c.off = 0;
    }
    auto* d = reinterpret_cast<LinuxDirent64*>(c.buf.data() + c.off);
    c.off += d->d_reclen;
    std::string_view nm(d->d_name);
    if (nm == "." || nm == "..") continue;
    *type = d->d_type;
    return std::string(nm);
  }
}

}  // namespace

NtStatus handle_query_directory(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.u16();
  uint8_t cls = r.u8();
  uint8_t flags = r.u8();
  r.u32();  // FileIndex: only meaningful with INDEX_SPECIFIED, which we treat as a continue
  FileId fid = read_file_id(r);
  uint16_t name_off = r.u16();
  uint16_t name_len = r.u16();
  uint32_t out_len = r.u32();
  if (!r.ok()) return status::kInvalidParameter;
  (void)kIndexSpecified;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;
  if (open->is_pipe || !open->is_directory) return status::kInvalidParameter;
  const bool posix_cls = cls == posix::kInfoClass && req.conn.posix_ext;  // SMB 3.1.1 POSIX extensions
  if (!posix_cls && info::dir_entry_fixed_size(cls) == 0) return status::kInvalidInfoClass;
  if (!(open->access & smb2::kFileReadData)) return status::kAccessDenied;
  if (fd_is_opath(open->fd.get())) return status::kAccessDenied;
  if (out_len > req.conn.max_trans) out_len = req.conn.max_trans;

  std::optional<std::string> pattern;
  if (name_len) {
    Bytes nb;
    if (name_len % 2 || !ByteReader::range(req.pdu, name_off, name_len, &nb))
      return status::kInvalidParameter;
    pattern = utf16le_to_utf8(nb);
    if (!pattern || pattern->find_first_of("\\/") != std::string::npos)
      return status::kObjectNameInvalid;
  }

  auto cursor = std::static_pointer_cast<DirCursor>(open->dir_cursor);
  if (!cursor || (flags & (kRestartScans | kReopen))) {
    if (lseek(open->fd.get(), 0, SEEK_SET) < 0) return status_from_errno(errno);
    cursor = std::make_shared<DirCursor>();
    if (pattern) cursor->pattern = *pattern;
    open->dir_cursor = cursor;
  }

  const ShareConfig& share = share_of(req);
  const int dfd = open->fd.get();
  const bool is_root = open->path.empty();
  std::vector<uint8_t>& o = out.vec();
  const size_t body_start = o.size();
  out.u16(9);
  out.u16(64 + 8);
  size_t len_at = out.reserve(4);
  const size_t data_start = o.size();
  size_t prev = SIZE_MAX;
  size_t count = 0;
  bool full = false;

  // Tries to add one entry; false if it does not fit (kept as pending).
  auto emit = [&](const std::string& name, const vfs::FileStat& st) -> bool {
    std::vector<uint8_t> e;
    // FileBoth/FileIdBoth carry the 8.3 short name of names that need one.
    std::string sn;
    if ((cls == info::kFileBothDirectoryInformation || cls == info::kFileIdBothDirectoryInformation) &&
        share.mangled_names && name != "." && name != ".." && !mangle::is_8dot3(name))
      sn = mangle::short_name(name);
    size_t n = posix_cls ? posix::encode_dir_entry(st, name, &e) : info::encode_dir_entry(cls, st, name, &e, sn);
    size_t used = o.size() - data_start;
    size_t pad = (prev == SIZE_MAX) ? 0 : (8 - used % 8) % 8;
    if (used + pad + n > out_len) {
      cursor->pending.emplace(name, st);
      full = true;
      return false;
    }
    o.insert(o.end(), pad, 0);
    size_t at = o.size();
    if (prev != SIZE_MAX) out.patch_u32(prev, uint32_t(at - prev));
    o.insert(o.end(), e.begin(), e.end());
    prev = at;
    count++;
    return true;
  };

  auto want_more = [&]() { return !full && !(count && (flags & kReturnSingleEntry)); };

  if (cursor->pending) {
    auto p = std::move(*cursor->pending);
    cursor->pending.reset();
    emit(p.first, p.second);
  }
  while (want_more() && cursor->dots < 2) {
    const char* dn = cursor->dots == 0 ? "." : "..";
    cursor->dots++;
    if (!vfs::dos_wildcard_match(cursor->pattern, dn)) continue;
    vfs::FileStat st;
    // ".." of the share root is the root itself: nothing outside is shown.
    NtStatus s = (cursor->dots == 2 && !is_root) ? vfs::stat_at(dfd, "..", share, &st)
                                                 : vfs::stat_fd(dfd, share, "", &st);
    if (s != status::kSuccess) continue;
    st.attrs &= ~uint32_t(smb2::kAttrHidden);
    emit(dn, st);
  }
  while (want_more()) {
    unsigned char type = 0;
    std::optional<std::string> name = next_name(dfd, *cursor, &type);
    if (!name) break;
    if (vfs::is_vetoed(*name, share.veto_files)) continue;
    if (!vfs::dos_wildcard_match(cursor->pattern, *name)) continue;
    if (type == DT_LNK || type == DT_UNKNOWN) {
      // A symlink is listed only if it may be followed and stays inside.
      std::string full_path = open->path.empty() ? *name : open->path + "/" + *name;
      UniqueFd t(vfs::open_beneath(req.tree->root.get(), full_path, O_PATH, 0, share.follow_symlinks));
      if (!t) continue;
    }
    vfs::FileStat st;
    if (vfs::stat_at(dfd, *name, share, &st) != status::kSuccess) continue;  // vanished
    emit(*name, st);
  }

  if (count == 0) {
    o.resize(body_start);
    if (full) return status::kInfoLengthMismatch;  // not even one entry fits
    if (!cursor->any_returned) return status::kNoSuchFile;
    return status::kNoMoreFiles;
  }
  cursor->any_returned = true;
  out.patch_u32(len_at, uint32_t(o.size() - data_start));
  return status::kSuccess;
}

}  // namespace cifsd::session
