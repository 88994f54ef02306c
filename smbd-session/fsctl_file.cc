// FSCTLs on files and directories of a disk share (MS-FSCC 2.3, behaviour
// from MS-FSA 2.1.5.10): sparse files, zeroing, allocated ranges, trim,
// block cloning and reparse points. cmd_ioctl.cc handles the
// transport-level FSCTLs (pipes, negotiate validation, server-side copy) and
// passes every other control code to file_fsctl().
//
// Sparse files: the SPARSE attribute lives with the other DOS attributes in
// our xattr; holes are real file-system holes (fallocate PUNCH_HOLE), found
// again with SEEK_DATA/SEEK_HOLE. A file without the attribute is reported
// as fully allocated, as NTFS does for non-sparse files.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/fsctl_file.h"
#include "smbd-session/handlers.h"
#include "smbd-session/lock_client.h"
#include "smbd-session/oplock.h"
#include "smbd-session/streams/stream_open.h"
#include "smbd-session/vfs/fileops_util.h"
#include "smbd-session/vfs/vfs.h"
#include "smbd-session/vfs/write_time.h"

namespace cifsd::session {
namespace {

using namespace smb2;

constexpr NtStatus kStatusNotAReparsePoint = 0xC0000275;

// Writes zeros over [off, end) with pwrite: the fallback where the file
// system cannot punch holes.
NtStatus write_zeros(int fd, uint64_t off, uint64_t end) {
  std::vector<uint8_t> z(std::min<uint64_t>(end - off, 1u << 20));
  while (off < end) {
    size_t n = size_t(std::min<uint64_t>(end - off, z.size()));
    ssize_t w = pwrite(fd, z.data(), n, off_t(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return status_from_errno(errno);
    }
    off += uint64_t(w);
  }
  return status::kSuccess;
}

NtStatus set_sparse(Request& req, Open& o, Bytes in) {
  if (o.is_directory) return status::kInvalidParameter;
  // MS-FSA 2.1.5.10.28: any of WRITE_DATA, WRITE_ATTRIBUTES, APPEND_DATA.
  if (!(o.access & (kFileWriteData | kFileWriteAttributes | kFileAppendData))) return status::kAccessDenied;
  if (!share_of(req).store_dos_attributes) return status::kNotSupported;
  // No buffer means SetSparse = TRUE; a longer buffer is fine (only the
  // first byte, a BOOLEAN, counts).
  const bool on = in.empty() || in[0] != 0;
  int e = vfs::store_sparse_flag(o.fd.get(), on);
  if (e) return e == ENOTSUP ? status::kNotSupported : status_from_errno(e);
  if (!on && !fd_is_opath(o.fd.get())) {
    // Clearing the flag allocates the holes again (a non-sparse file is
    // fully allocated). Best effort: a file system without fallocate still
    // reads zeros there.
    struct stat sb;
    if (fstat(o.fd.get(), &sb) == 0 && sb.st_size > 0)
      (void)fallocate(o.fd.get(), FALLOC_FL_KEEP_SIZE, 0, sb.st_size);
  }
  return status::kSuccess;
}

bool is_sparse(Request& req, Open& o) {
  vfs::FileStat st;
  return vfs::stat_fd(o.fd.get(), share_of(req), leaf_name(o.path), &st) == status::kSuccess &&
         (st.attrs & kAttrSparse);
}

NtStatus set_zero_data(Request& req, Open& o, Bytes in) {
  ByteReader r(in);
  int64_t off = int64_t(r.u64());
  int64_t beyond = int64_t(r.u64());
  if (!r.ok()) return status::kInvalidParameter;
  if (o.is_directory) return status::kInvalidParameter;
  if (!(o.access & kFileWriteData)) return status::kAccessDenied;
  if (off < 0 || beyond < 0 || off > beyond) return status::kInvalidParameter;
  if (fd_is_opath(o.fd.get())) return status::kAccessDenied;
  struct stat sb;
  if (fstat(o.fd.get(), &sb) != 0) return status_from_errno(errno);
  // Zeroing never changes the size: the range ends at end of file.
  uint64_t end = std::min<uint64_t>(uint64_t(beyond), uint64_t(sb.st_size));
  if (uint64_t(off) >= end) return status::kSuccess;
  off_t len = off_t(end - uint64_t(off));
  // Zeroing is a write: byte-range locks of other opens apply.
  NtStatus ls = lock_check_io(req.conn, o, uint64_t(off), uint64_t(len), true);
  if (ls != status::kSuccess) return ls;
  if (fallocate(o.fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) != 0) {
    if (errno != EOPNOTSUPP) return status_from_errno(errno);
    return write_zeros(o.fd.get(), uint64_t(off), end);
  }
  // A non-sparse file stays fully allocated: fill the punched range again.
  if (!is_sparse(req, o)) (void)fallocate(o.fd.get(), FALLOC_FL_KEEP_SIZE, off, len);
  return status::kSuccess;
}

NtStatus query_allocated_ranges(Request& req, Open& o, Bytes in, uint32_t max_out,
                                std::vector<uint8_t>* out) {
  ByteReader r(in);
  int64_t off = int64_t(r.u64());
  int64_t len = int64_t(r.u64());
  if (!r.ok()) return status::kInvalidParameter;
  if (o.is_directory) return status::kInvalidParameter;
  if (!(o.access & kFileReadData)) return status::kAccessDenied;
  if (off < 0 || len < 0 || off > INT64_MAX - len) return status::kInvalidParameter;
  struct stat sb;
  if (fstat(o.fd.get(), &sb) != 0) return status_from_errno(errno);
  std::vector<vfs::AllocatedRange> ranges;
  const uint64_t end = std::min<uint64_t>(uint64_t(off) + uint64_t(len), uint64_t(sb.st_size));
  if (uint64_t(off) < end) {
    if (!is_sparse(req, o) || fd_is_opath(o.fd.get())) {
      ranges.push_back({uint64_t(off), end - uint64_t(off)});
    } else {
      NtStatus s = vfs::data_ranges(o.fd.get(), uint64_t(off), end, &ranges);
      if (s != status::kSuccess) return s;
    }
  }
  return vfs::encode_allocated_ranges(ranges, max_out, out);
}

// FSCTL_FILE_LEVEL_TRIM (MS-FSCC 2.3.14): the data of the ranges becomes
// undefined. Honouring it is optional; on a sparse file the ranges are
// deallocated, elsewhere nothing happens. Every range counts as processed.
NtStatus file_level_trim(Request& req, Open& o, Bytes in, uint32_t max_out, std::vector<uint8_t>* out) {
  ByteReader r(in);
  r.u32();  // Key
  uint32_t count = r.u32();
  if (!r.ok() || o.is_directory) return status::kInvalidParameter;
  if (!(o.access & kFileWriteData)) return status::kAccessDenied;
  if (max_out < 4) return status::kBufferTooSmall;
  const bool sparse = is_sparse(req, o) && !fd_is_opath(o.fd.get());
  for (uint32_t i = 0; i < count; i++) {
    uint64_t off = r.u64(), len = r.u64();
    if (!r.ok()) return status::kInvalidParameter;
    if (sparse && off <= uint64_t(INT64_MAX) && len && len <= uint64_t(INT64_MAX) - off)
      (void)fallocate(o.fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(off), off_t(len));
  }
  // NumRangesProcessed, little-endian. (Not through ByteWriter on a cleared
  // vector: g++ 12 -O2 reports a false -Warray-bounds there.)
  *out = {uint8_t(count), uint8_t(count >> 8), uint8_t(count >> 16), uint8_t(count >> 24)};
  return status::kSuccess;
}

Open* find_open_in_session(Request& req, const FileId& id) {
  if (!req.session) return nullptr;
  for (auto& [tid, tree] : req.session->trees) {
    auto it = tree->opens.find(id.volatile_);
    if (it != tree->opens.end() && it->second->id.persistent == id.persistent) return it->second.get();
  }
  return nullptr;
}

// FSCTL_DUPLICATE_EXTENTS_TO_FILE (MS-FSCC 2.3.8). The volume does not
// advertise FILE_SUPPORTS_BLOCK_REFCOUNTING (we cannot tell), but a client
// that sends it anyway gets the data duplicated.
NtStatus duplicate_extents(Request& req, Open& dst, Bytes in) {
  ByteReader r(in);
  FileId src_id = read_file_id(r);
  uint64_t src_off = r.u64(), dst_off = r.u64(), count = r.u64();
  if (!r.ok()) return status::kInvalidParameter;
  Open* src = find_open_in_session(req, src_id);
  if (!src) return status::kFileClosed;
  if (src->is_directory || dst.is_directory || src->is_pipe) return status::kInvalidParameter;
  if (!(src->access & kFileReadData)) return status::kAccessDenied;
  if (!(dst.access & kFileWriteData)) return status::kAccessDenied;
  if (src_off > uint64_t(INT64_MAX) || dst_off > uint64_t(INT64_MAX) || count > uint64_t(INT64_MAX) ||
      src_off > uint64_t(INT64_MAX) - count || dst_off > uint64_t(INT64_MAX) - count)
    return status::kInvalidParameter;
  if (count == 0) return status::kSuccess;
  if (fd_is_opath(src->fd.get()) || fd_is_opath(dst.fd.get())) return status::kAccessDenied;
  struct stat ss;
  if (fstat(src->fd.get(), &ss) != 0) return status_from_errno(errno);
  if (src_off + count > uint64_t(ss.st_size)) return status::kNotSupported;  // past the source's end
  // copy_file_range shares the blocks where the file system can (btrfs,
  // XFS with reflink) and copies them elsewhere; the sandbox allows it,
  // where the FICLONERANGE ioctl is not allowed.
  loff_t in_off = loff_t(src_off), out_off = loff_t(dst_off);
  uint64_t left = count;
  while (left) {
    ssize_t n = copy_file_range(src->fd.get(), &in_off, dst.fd.get(), &out_off, size_t(std::min<uint64_t>(left, 1u << 30)), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == EOPNOTSUPP || errno == EINVAL) return status::kNotSupported;
      return status_from_errno(errno);
    }
    if (n == 0) break;
    left -= uint64_t(n);
  }
  return status::kSuccess;
}

}  // namespace

NtStatus file_fsctl(Request& req, uint32_t ctl, Open& open, Bytes in, uint32_t max_out,
                    std::vector<uint8_t>* out) {
  out->clear();
  if (open.is_pipe || req.tree->is_ipc) return status::kInvalidDeviceRequest;
  switch (ctl) {
    case kFsctlSetSparse:
      return set_sparse(req, open, in);
    case kFsctlSetZeroData:
      return set_zero_data(req, open, in);
    case kFsctlQueryAllocatedRanges:
      return query_allocated_ranges(req, open, in, max_out, out);
    case kFsctlFileLevelTrim:
      return file_level_trim(req, open, in, max_out, out);
    case kFsctlDuplicateExtentsToFile:
      return duplicate_extents(req, open, in);
    case kFsctlGetReparsePoint:
      // Symbolic links are followed or hidden, never shown as reparse
      // points, so no object of a share is one.
      return kStatusNotAReparsePoint;
  }
  LOG_D("unsupported FSCTL 0x%08x", ctl);
  return status::kNotSupported;
}

NtStatus copy_chunk(Request& req, const Open& src, uint64_t src_off, Open& dst, uint64_t dst_off,
                    uint32_t len, std::vector<uint8_t>* buf, bool* source_short) {
  *source_short = false;
  NtStatus s = lock_check_io(req.conn, src, src_off, len, false);
  if (s == status::kSuccess) s = lock_check_io(req.conn, dst, dst_off, len, true);
  if (s != status::kSuccess) return s;
  buf->resize(len);
  size_t got = 0;
  if (src.stream) {  // a named stream's data (its fd is the base file's)
    if ((s = streams::read_at(src, src_off, buf, &got)) != status::kSuccess) return s;
  } else {
    ssize_t n = pread(src.fd.get(), buf->data(), len, off_t(src_off));
    if (n < 0) return status_from_errno(errno);
    got = size_t(n);
  }
  if (got < len) {
    *source_short = true;
    return status::kSuccess;
  }
  Bytes data(buf->data(), len);
  if (dst.stream) {
    uint64_t end = 0;
    return streams::write_at(dst, dst_off, data, false, &end);
  }
  vfs::wtime::before_write(dst.id.volatile_, dst.fd.get(), dst.dev, dst.ino);
  caching_wrote(req.conn, dst);  // other clients' read caches break (oplock.h)
  ssize_t n = pwrite(dst.fd.get(), data.data(), data.size(), off_t(dst_off));
  if (n < 0) return status_from_errno(errno);
  return size_t(n) == data.size() ? status::kSuccess : status::kDiskFull;
}

}  // namespace cifsd::session
