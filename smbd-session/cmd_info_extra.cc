// QUERY_INFO / SET_INFO classes with their own rules beyond the fixed-size
// encoders of info/encode.cc: extended attributes (FileFullEaInformation
// both ways, FileEaInformation's EaSize), FileValidDataLengthInformation,
// FileIdInformation and FileCaseSensitiveInformation.
// cmd_query_info.cc / cmd_set_info.cc ask here first.
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>

#include "smbd-session/cmd_info_extra.h"
#include "smbd-session/connection.h"
#include "smbd-session/info/ea.h"
#include "smbd-session/info/encode.h"
#include "smbd-session/vfs/fileops_util.h"

namespace cifsd::session {
namespace {

constexpr uint8_t kInfoFile = 1;
constexpr uint32_t kSlRestartScan = 0x1, kSlReturnSingleEntry = 0x2;
constexpr uint8_t kFileValidDataLength = 39;
constexpr uint8_t kFileIdInformation = 59;
constexpr uint8_t kFileCaseSensitiveInformation = 71;

NtStatus ea_errno(int e) {
  if (e == ENOTSUP) return kStatusEasNotSupported;
  if (e == ENOSPC || e == E2BIG || e == ERANGE) return status::kEaTooLarge;
  return status_from_errno(e);
}

void reply_body(ByteWriter& out, const std::vector<uint8_t>& data) {
  out.u16(9);
  out.u16(64 + 8);
  out.u32(uint32_t(data.size()));
  if (data.empty()) out.u8(0);
  else out.bytes(data);
}

NtStatus query_full_ea(Request& req, Open& o, uint32_t max, ByteWriter& out) {
  if (!(o.access & smb2::kFileReadEa)) return status::kAccessDenied;
  ByteReader r(req.body);
  r.skip(8);
  uint16_t in_off = r.u16();
  r.u16();
  uint32_t in_len = r.u32();
  r.u32();  // AdditionalInformation
  uint32_t flags = r.u32();
  if (!r.ok()) return status::kInvalidParameter;
  Bytes in;
  if (in_len && !ByteReader::range(req.pdu, in_off, in_len, &in)) return status::kInvalidParameter;

  std::vector<info::Ea> all;
  if (int e = info::ea_list(o.fd.get(), &all)) return ea_errno(e);
  std::vector<info::Ea> want;
  if (!in.empty()) {
    // Named EAs, each once, in the order asked; a missing one comes back
    // with an empty value (MS-FSA 2.1.5.11.13).
    std::vector<std::string> names;
    NtStatus s = info::parse_get_ea_list(in, &names);
    if (s != status::kSuccess) return s;
    for (const std::string& n : names) {
      info::Ea ea;
      ea.name = info::upper_ascii(n);
      for (const info::Ea& have : all)
        if (info::upper_ascii(have.name) == ea.name) ea.value = have.value;
      want.push_back(std::move(ea));
    }
  } else {
    if (all.empty()) return info::kStatusNoEasOnFile;  // MS-FSA 2.1.5.11.13
    want = std::move(all);
  }
  (void)kSlRestartScan;  // every query starts at the first EA: no cursor is kept
  std::vector<uint8_t> data;
  NtStatus s = info::encode_full_ea_list(want, max, flags & kSlReturnSingleEntry, &data);
  if (s == status::kBufferTooSmall) return s;
  reply_body(out, data);
  return s;
}

NtStatus set_full_ea(Request& req, Open& o, Bytes buf) {
  if (!(o.access & smb2::kFileWriteEa)) return status::kAccessDenied;
  if (!req.tree->writable) return status::kAccessDenied;
  std::vector<info::Ea> eas;
  NtStatus s = info::parse_full_ea_list(buf, &eas);
  if (s != status::kSuccess) return s;
  for (const info::Ea& ea : eas)
    if (int e = info::ea_set(o.fd.get(), ea)) return ea_errno(e);
  return status::kSuccess;
}

// Linux keeps no valid data length apart from the size (everything below
// end of file reads as written or as zeros), so a valid request changes
// nothing. Windows' checks are kept: not on directories, needs write
// access, not beyond end of file.
NtStatus set_valid_data_length(Open& o, Bytes buf) {
  ByteReader r(buf);
  uint64_t vdl = r.u64();
  if (!r.ok()) return status::kInfoLengthMismatch;
  if (o.is_directory) return status::kInvalidParameter;
  if (!(o.access & smb2::kFileWriteData)) return status::kAccessDenied;
  struct stat sb;
  if (fstat(o.fd.get(), &sb) != 0) return status_from_errno(errno);
  if (vdl > uint64_t(sb.st_size)) return status::kInvalidParameter;
  return status::kSuccess;
}

}  // namespace

bool query_info_extra(Request& req, Open& o, uint8_t type, uint8_t cls, uint32_t max, ByteWriter& out,
                      NtStatus* st) {
  if (type != kInfoFile || o.is_pipe) return false;
  if (cls == info::kFileFullEaInformation) {
    *st = query_full_ea(req, o, max, out);
    return true;
  }
  if (cls == info::kFileEaInformation) {
    // No access right needed (MS-FSA 2.1.5.11.12; smb2.getinfo.getinfo_access).
    if (max < 4) {
      *st = status::kInfoLengthMismatch;
      return true;
    }
    std::vector<info::Ea> all;
    uint32_t size = info::ea_list(o.fd.get(), &all) == 0 ? info::ea_list_size(all) : 0;
    std::vector<uint8_t> data = {uint8_t(size), uint8_t(size >> 8), uint8_t(size >> 16), uint8_t(size >> 24)};
    reply_body(out, data);
    *st = status::kSuccess;
    return true;
  }
  if (cls == kFileIdInformation) {
    // FILE_ID_INFORMATION (MS-FSCC 2.4.23): the volume serial number as
    // FileFsVolumeInformation derives it, and the inode as a 128-bit id.
    if (max < 24) {
      *st = status::kInfoLengthMismatch;
      return true;
    }
    struct statfs sf;
    struct stat root;
    uint64_t fsid = 0;
    if (fstatfs(o.fd.get(), &sf) == 0) std::memcpy(&fsid, &sf.f_fsid, 8);
    uint64_t root_ino = fstat(req.tree->root.get(), &root) == 0 ? root.st_ino : 0;
    std::vector<uint8_t> data;
    ByteWriter w(data);
    w.u64(uint32_t(fsid ^ (fsid >> 32) ^ root_ino));
    w.u64(o.ino);
    w.u64(0);
    reply_body(out, data);
    *st = status::kSuccess;
    return true;
  }
  if (cls == kFileCaseSensitiveInformation) {
    // Names are matched case-insensitively in every directory.
    if (max < 4) {
      *st = status::kInfoLengthMismatch;
      return true;
    }
    reply_body(out, std::vector<uint8_t>(4, 0));
    *st = status::kSuccess;
    return true;
  }
  return false;
}

bool set_info_extra(Request& req, Open& o, uint8_t type, uint8_t cls, Bytes buf, NtStatus* st) {
  if (type != kInfoFile || o.is_pipe) return false;
  if (cls == info::kFileFullEaInformation) {
    *st = set_full_ea(req, o, buf);
    return true;
  }
  if (cls == kFileValidDataLength) {
    *st = set_valid_data_length(o, buf);
    return true;
  }
  return false;
}

}  // namespace cifsd::session
