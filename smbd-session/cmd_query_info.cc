// SMB2 QUERY_INFO (MS-SMB2 3.3.5.20): file, file-system and security
// information. Encoding lives in info/encode.cc; this file does the access
// checks and the OutputBufferLength rules:
//   buffer < fixed part            -> INFO_LENGTH_MISMATCH
//   fixed part <= buffer < full    -> truncated data, BUFFER_OVERFLOW
//   security descriptor too large  -> BUFFER_TOO_SMALL
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "smbd-session/acl/ntacl.h"
#include "smbd-session/cmd_info_extra.h"
#include "smbd-session/connection.h"
#include "smbd-session/delete_pending.h"
#include "smbd-session/handlers.h"
#include "smbd-session/info/encode.h"
#include "smbd-session/info/query_input.h"
#include "smbd-session/posix/posix_ext.h"
#include "smbd-session/streams/stream_open.h"
#include "smbd-session/vfs/fileops_util.h"
#include "smbd-session/vfs/path.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session {
namespace {

constexpr uint8_t kInfoFile = 1, kInfoFs = 2, kInfoSecurity = 3, kInfoQuota = 4;

NtStatus reply(ByteWriter& out, std::vector<uint8_t>& data, size_t fixed, uint32_t max) {
  NtStatus s = status::kSuccess;
  if (max < fixed) return status::kInfoLengthMismatch;
  if (data.size() > max) {
    data.resize(max);
    s = status::kBufferOverflow;
  }
  out.u16(9);
  out.u16(64 + 8);
  out.u32(uint32_t(data.size()));
  if (data.empty()) out.u8(0);
  else out.bytes(data);
  return s;
}

NtStatus pipe_info(uint8_t cls, ByteWriter& out, uint32_t max) {
  std::vector<uint8_t> d;
  ByteWriter w(d);
  if (cls == info::kFileStandardInformation) {
    w.u64(4096);
    w.u64(0);
    w.u32(1);
    w.u8(0);
    w.u8(0);
    w.u16(0);
  } else if (cls == info::kFileBasicInformation) {
    w.zeros(32);
    w.u32(smb2::kAttrNormal);
    w.u32(0);
  } else {
    return status::kNotSupported;
  }
  size_t fixed = d.size();
  return reply(out, d, fixed, max);
}

}  // namespace

NtStatus handle_query_info(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.u16();
  uint8_t type = r.u8();
  uint8_t cls = r.u8();
  uint32_t max = r.u32();
  r.u16();  // InputBufferOffset, checked by query_info_input
  r.u16();
  r.u32();  // InputBufferLength
  uint32_t additional = r.u32();
  r.u32();  // Flags
  FileId fid = read_file_id(r);
  if (!r.ok()) return status::kInvalidParameter;
  Bytes input;  // must lie inside the request (EA and quota queries use it)
  if (NtStatus is = info::query_info_input(req.pdu, req.body, &input); is != status::kSuccess) return is;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;
  if (max > req.conn.max_trans) max = req.conn.max_trans;

  if (open->is_pipe) {
    if (type != kInfoFile) return status::kNotSupported;
    return pipe_info(cls, out, max);
  }
  // MS-SMB2 3.3.5.20.1: FileNormalizedNameInformation exists only on 3.1.1.
  if (type == kInfoFile && cls == info::kFileNormalizedNameInformation && req.conn.dialect < kSmb311)
    return status::kNotSupported;
  NtStatus xs;  // EAs and other classes with rules of their own
  if (query_info_extra(req, *open, type, cls, max, out, &xs)) return xs;
  const ShareConfig& share = share_of(req);
  vfs::FileStat st;
  NtStatus s = vfs::stat_fd(open->fd.get(), share, leaf_name(open->path), &st);
  if (s != status::kSuccess) return s;
  streams::adjust_stat(*open, &st);  // a stream open reports the stream's size
  if (cls == posix::kInfoClass && req.conn.posix_ext && (type == kInfoFile || type == kInfoFs)) {
    // SMB 3.1.1 POSIX extensions: FilePosixInformation / FileFsPosixInformation.
    std::vector<uint8_t> pd;
    ByteWriter w(pd);
    if (type == kInfoFile) {
      if (!(open->access & smb2::kFileReadAttributes)) return status::kAccessDenied;
      posix::put_file_info(w, st);
    } else {
      struct statvfs pv;
      if (fstatvfs(open->fd.get(), &pv) != 0) return status_from_errno(errno);
      posix::put_fs_info(w, pv);
    }
    return reply(out, pd, pd.size(), max);
  }

  std::vector<uint8_t> data;
  size_t fixed = 0;
  switch (type) {
    case kInfoFile: {
      // As Windows: the attribute-bearing classes need READ_ATTRIBUTES, the
      // EA class READ_EA; the others (standard, internal, position, ...)
      // are available on any handle.
      bool needs_attr = cls == info::kFileBasicInformation || cls == info::kFileAllInformation ||
                        cls == info::kFileNetworkOpenInformation ||
                        cls == info::kFileAttributeTagInformation;
      if (needs_attr && !(open->access & smb2::kFileReadAttributes)) return status::kAccessDenied;
      if (cls == info::kFileEaInformation && !(open->access & smb2::kFileReadEa)) return status::kAccessDenied;
      info::OpenView v;
      v.st = &st;
      v.position = open->position;
      v.mode = open->create_options & 0x3E;  // WRITE_THROUGH..SYNC_IO_NONALERT
      v.access = open->access;
      v.delete_pending = open->delete_on_close || is_delete_pending(req.conn, open->dev, open->ino);
      v.wire_path = vfs::to_wire_path(open->path);
      v.mangled_names = share.mangled_names;
      if (open->stream) v.wire_path += ":" + open->stream->name;  // "/dir/file:stream" in wire form
      if (cls == info::kFileStreamInformation && share.streams) {
        s = streams::stream_information(*open, &data, &fixed);
        if (s != status::kSuccess) return s;
        return reply(out, data, fixed, max);
      }
      s = info::encode_file_info(cls, v, &data, &fixed);
      if (s != status::kSuccess) return s;
      return reply(out, data, fixed, max);
    }
    case kInfoFs: {
      info::FsView v;
      struct statvfs vf;
      struct statfs sf;
      if (fstatvfs(open->fd.get(), &vf) != 0 || fstatfs(open->fd.get(), &sf) != 0)
        return status_from_errno(errno);
      v.block_size = vf.f_frsize ? vf.f_frsize : vf.f_bsize;
      v.blocks = vf.f_blocks;
      v.bfree = vf.f_bfree;
      v.bavail = vf.f_bavail;
      uint64_t fsid = 0;
      static_assert(sizeof(sf.f_fsid) == 8);
      std::memcpy(&fsid, &sf.f_fsid, 8);
      v.fsid = fsid;
      v.max_name = uint32_t(vf.f_namemax ? vf.f_namemax : 255);
      v.label = share.name;
      v.named_streams = share.streams;
      vfs::FileStat rs;
      if (vfs::stat_fd(req.tree->root.get(), share, "", &rs) == status::kSuccess) {
        v.root_dev = rs.dev;
        v.root_ino = rs.ino;
        v.volume_creation = rs.creation;
      }
      s = info::encode_fs_info(cls, v, &data, &fixed);
      if (s != status::kSuccess) return s;
      return reply(out, data, fixed, max);
    }
    case kInfoSecurity: {
      s = acl::query(open->fd.get(), additional, open->access, &data);
      if (s != status::kSuccess) return s;
      if (data.size() > max) {
        // MS-SMB2 3.3.5.20.3: an error response whose ErrorData is the
        // size the descriptor needs.
        out.u16(9);
        out.u8(0);
        out.u8(0);
        out.u32(4);
        out.u32(uint32_t(data.size()));
        req.keep_error_body = true;
        return status::kBufferTooSmall;
      }
      return reply(out, data, data.size(), max);
    }
    case kInfoQuota:
      return status::kNotSupported;
  }
  return status::kInvalidParameter;
}

}  // namespace cifsd::session
