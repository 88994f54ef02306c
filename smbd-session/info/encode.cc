#include "smbd-session/info/encode.h"

#include "common/util/utf16.h"
#include "common/wire/writer.h"
#include "smbd-session/mangle/short_name.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session::info {
namespace {

void times(ByteWriter& w, const vfs::FileStat& st) {
  w.u64(st.creation);
  w.u64(st.last_access);
  w.u64(st.last_write);
  w.u64(st.change);
}

void basic(ByteWriter& w, const vfs::FileStat& st) {
  times(w, st);
  w.u32(st.attrs);
  w.u32(0);
}

void standard(ByteWriter& w, const OpenView& v) {
  w.u64(v.st->alloc);
  w.u64(v.st->size);
  w.u32(v.st->nlink);
  w.u8(v.delete_pending ? 1 : 0);
  w.u8(v.st->is_dir ? 1 : 0);
  w.u16(0);
}

}  // namespace

NtStatus encode_file_info(uint8_t cls, const OpenView& v, std::vector<uint8_t>* out, size_t* fixed) {
  ByteWriter w(*out);
  const vfs::FileStat& st = *v.st;
  size_t start = w.size();
  switch (cls) {
    case kFileBasicInformation: basic(w, st); break;
    case kFileStandardInformation: standard(w, v); break;
    case kFileInternalInformation: w.u64(st.ino); break;
    case kFileEaInformation: w.u32(0); break;
    case kFileAccessInformation: w.u32(v.access); break;
    case kFilePositionInformation: w.u64(v.position); break;
    case kFileModeInformation: w.u32(v.mode); break;
    case kFileAlignmentInformation: w.u32(0); break;  // byte alignment
    case kFileAllInformation: {
      basic(w, st);
      standard(w, v);
      w.u64(st.ino);
      w.u32(0);          // EaSize
      w.u32(v.access);
      w.u64(v.position);
      w.u32(v.mode);
      w.u32(0);          // alignment
      std::vector<uint8_t> name = utf8_to_utf16le(v.wire_path);
      w.u32(uint32_t(name.size()));
      *fixed = w.size() - start + 4;  // Windows: sizeof(FILE_ALL_INFORMATION), one WCHAR padded
      w.bytes(name);
      return status::kSuccess;
    }
    case kFileAlternateNameInformation: {
      // A valid 8.3 name is its own alternate name; any other gets the
      // generated one (mangle/short_name.h), or none with "mangled names =
      // no", which Windows (8.3 generation off) answers with
      // OBJECT_NAME_NOT_FOUND.
      std::string_view leaf = v.wire_path;
      size_t slash = leaf.rfind('\\');
      std::string dir;
      if (slash != std::string_view::npos) {
        for (char c : leaf.substr(0, slash)) dir += c == '\\' ? '/' : c;
        if (!dir.empty() && dir[0] == '/') dir.erase(0, 1);
        leaf.remove_prefix(slash + 1);
      }
      if (leaf.empty() || (!is_8dot3(leaf) && !v.mangled_names)) return status::kObjectNameNotFound;
      // Remembered so a create by this short name can find its long name.
      mangle::remember(dir, leaf);
      std::vector<uint8_t> name = utf8_to_utf16le(mangle::short_name(leaf));
      w.u32(uint32_t(name.size()));
      *fixed = 8;
      w.bytes(name);
      return status::kSuccess;
    }
    case kFileStreamInformation: {
      *fixed = 0;
      if (st.is_dir) return status::kSuccess;  // directories have no data stream
      std::vector<uint8_t> name = utf8_to_utf16le("::$DATA");
      w.u32(0);
      w.u32(uint32_t(name.size()));
      w.u64(st.size);
      w.u64(st.alloc);
      w.bytes(name);
      *fixed = 32;
      return status::kSuccess;
    }
    case kFileCompressionInformation:
      w.u64(st.size);
      w.u16(0);  // COMPRESSION_FORMAT_NONE
      w.u8(0);
      w.u8(0);
      w.u8(0);
      w.zeros(3);
      break;
    case kFileNetworkOpenInformation:
      times(w, st);
      w.u64(st.alloc);
      w.u64(st.size);
      w.u32(st.attrs);
      w.u32(0);
      break;
    case kFileAttributeTagInformation:
      w.u32(st.attrs);
      w.u32(0);  // no reparse tag
      break;
    case kFileNormalizedNameInformation: {
      std::vector<uint8_t> name = utf8_to_utf16le(v.wire_path.size() > 1 ? v.wire_path.substr(1) : "");
      w.u32(uint32_t(name.size()));
      *fixed = 8;
      w.bytes(name);
      return status::kSuccess;
    }
    default:
      return status::kInvalidInfoClass;
  }
  *fixed = w.size() - start;
  return status::kSuccess;
}

size_t dir_entry_fixed_size(uint8_t cls) {
  switch (cls) {
    case kFileDirectoryInformation: return 64;
    case kFileFullDirectoryInformation: return 68;
    case kFileBothDirectoryInformation: return 94;
    case kFileNamesInformation: return 12;
    case kFileIdBothDirectoryInformation: return 104;
    case kFileIdFullDirectoryInformation: return 80;
  }
  return 0;
}

size_t encode_dir_entry(uint8_t cls, const vfs::FileStat& st, std::string_view name_utf8,
                        std::vector<uint8_t>* out, std::string_view short_name) {
  ByteWriter w(*out);
  size_t start = w.size();
  std::vector<uint8_t> name = utf8_to_utf16le(name_utf8);
  w.u32(0);  // NextEntryOffset, linked by the caller
  w.u32(0);  // FileIndex: no stable index on Linux file systems
  if (cls == kFileNamesInformation) {
    w.u32(uint32_t(name.size()));
    w.bytes(name);
    return w.size() - start;
  }
  times(w, st);
  w.u64(st.size);
  w.u64(st.alloc);
  w.u32(st.attrs);
  w.u32(uint32_t(name.size()));
  if (cls != kFileDirectoryInformation) w.u32(0);  // EaSize
  if (cls == kFileBothDirectoryInformation || cls == kFileIdBothDirectoryInformation) {
    std::vector<uint8_t> sn = utf8_to_utf16le(short_name);
    if (sn.size() > 24) sn.clear();  // never more than 12 characters
    w.u8(uint8_t(sn.size()));        // ShortNameLength
    w.u8(0);
    w.bytes(sn);
    w.zeros(24 - sn.size());         // ShortName
  }
  if (cls == kFileIdBothDirectoryInformation) {
    w.u16(0);
    w.u64(st.ino);
  } else if (cls == kFileIdFullDirectoryInformation) {
    w.u32(0);
    w.u64(st.ino);
  }
  w.bytes(name);
  return w.size() - start;
}

NtStatus encode_fs_info(uint8_t cls, const FsView& v, std::vector<uint8_t>* out, size_t* fixed) {
  ByteWriter w(*out);
  size_t start = w.size();
  const uint32_t sector = 512;
  uint32_t per_unit = uint32_t(v.block_size >= sector ? v.block_size / sector : 1);
  switch (cls) {
    case kFsVolume: {
      std::vector<uint8_t> label = utf8_to_utf16le(v.label);
      w.u64(v.volume_creation);
      w.u32(uint32_t(v.fsid ^ (v.fsid >> 32) ^ v.root_ino));  // serial: stable per volume+share
      w.u32(uint32_t(label.size()));
      w.u8(0);  // SupportsObjects
      w.u8(0);
      *fixed = 24;
      w.bytes(label);
      return status::kSuccess;
    }
    case kFsSize:
      w.u64(v.blocks);
      w.u64(v.bavail);
      w.u32(per_unit);
      w.u32(sector);
      break;
    case kFsDevice:
      w.u32(0x00000007);  // FILE_DEVICE_DISK
      w.u32(0x00000020);  // FILE_DEVICE_IS_MOUNTED
      break;
    case kFsAttribute: {
      std::vector<uint8_t> name = utf8_to_utf16le("NTFS");
      // CASE_SENSITIVE_SEARCH | CASE_PRESERVED_NAMES | UNICODE_ON_DISK |
      // SUPPORTS_SPARSE_FILES (fsctl_file.cc)
      // | FILE_NAMED_STREAMS where the share serves them (streams/)
      w.u32(0x00000001 | 0x00000002 | 0x00000004 | 0x00000040 | (v.named_streams ? 0x00040000 : 0));
      w.u32(v.max_name);
      w.u32(uint32_t(name.size()));
      *fixed = 16;
      w.bytes(name);
      return status::kSuccess;
    }
    case kFsControl:
      // No quotas: no filtering thresholds, no default limits, no flags.
      w.u64(0);
      w.u64(0);
      w.u64(0);
      w.u64(~0ull);  // DefaultQuotaThreshold: none
      w.u64(~0ull);  // DefaultQuotaLimit: none
      w.u32(0);
      w.u32(0);
      break;
    case kFsFullSize:
      w.u64(v.blocks);
      w.u64(v.bavail);
      w.u64(v.bfree);
      w.u32(per_unit);
      w.u32(sector);
      break;
    case kFsObjectId:
      // No NTFS object ids; the volume's identity (fsid, device and root
      // inode of the share) is a stable 16-byte id, extended info empty.
      w.u64(v.fsid);
      w.u64(v.root_dev ^ (v.root_ino << 1));
      w.zeros(48);
      break;
    case kFsSectorSize:
      w.u32(sector);
      w.u32(sector);
      w.u32(sector);
      w.u32(sector);
      // ALIGNED_DEVICE | PARTITION_ALIGNED_ON_DEVICE | TRIM_ENABLED
      // (FSCTL_FILE_LEVEL_TRIM is served, see fsctl_file.cc)
      w.u32(0x3 | 0x8);
      w.u32(0);
      w.u32(0);
      break;
    default:
      return status::kInvalidInfoClass;
  }
  *fixed = w.size() - start;
  return status::kSuccess;
}

namespace {

void sid(ByteWriter& w, uint8_t authority, std::initializer_list<uint32_t> subs) {
  w.u8(1);
  w.u8(uint8_t(subs.size()));
  w.zeros(5);
  w.u8(authority);
  for (uint32_t s : subs) w.u32(s);
}
size_t sid_size(size_t subs) { return 8 + 4 * subs; }

uint32_t rights(uint32_t rwx, bool is_dir, bool owner) {
  uint32_t m = smb2::kReadControl | smb2::kSynchronize | smb2::kFileReadAttributes | smb2::kFileReadEa;
  if (rwx & 4) m |= 0x00120089;  // FILE_GENERIC_READ
  if (rwx & 2) {
    m |= 0x00120116;             // FILE_GENERIC_WRITE
    if (is_dir) m |= smb2::kFileDeleteChild;
  }
  if (rwx & 1) m |= 0x001200A0;  // FILE_GENERIC_EXECUTE
  if (owner) m |= smb2::kWriteDac | smb2::kWriteOwner | smb2::kFileWriteAttributes | smb2::kDelete;
  return m;
}

}  // namespace

std::vector<uint8_t> posix_security_descriptor(uint32_t uid, uint32_t gid, uint32_t mode,
                                               bool is_dir, uint32_t which) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  bool want_owner = which & 1, want_group = which & 2, want_dacl = which & 4;
  w.u8(1);   // revision
  w.u8(0);
  w.u16(uint16_t(0x8000 | (want_dacl ? 0x0004 : 0)));  // SELF_RELATIVE | DACL_PRESENT
  size_t off_owner = w.reserve(4), off_group = w.reserve(4);
  w.u32(0);  // no SACL
  size_t off_dacl = w.reserve(4);
  if (want_owner) {
    w.patch_u32(off_owner, uint32_t(w.size()));
    sid(w, 22, {1, uid});
  }
  if (want_group) {
    w.patch_u32(off_group, uint32_t(w.size()));
    sid(w, 22, {2, gid});
  }
  if (want_dacl) {
    w.patch_u32(off_dacl, uint32_t(w.size()));
    size_t ace_owner = 8 + sid_size(2), ace_group = 8 + sid_size(2), ace_world = 8 + sid_size(1);
    w.u8(2);   // ACL revision
    w.u8(0);
    w.u16(uint16_t(8 + ace_owner + ace_group + ace_world));
    w.u16(3);
    w.u16(0);
    auto ace = [&](uint32_t mask, size_t size) {
      w.u8(0);  // ACCESS_ALLOWED_ACE_TYPE
      w.u8(0);
      w.u16(uint16_t(size));
      w.u32(mask);
    };
    ace(rights((mode >> 6) & 7, is_dir, true), ace_owner);
    sid(w, 22, {1, uid});
    ace(rights((mode >> 3) & 7, is_dir, false), ace_group);
    sid(w, 22, {2, gid});
    ace(rights(mode & 7, is_dir, false), ace_world);
    sid(w, 1, {0});  // Everyone
  }
  return out;
}

}  // namespace cifsd::session::info
