#include "smbd-session/posix/posix_ext.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>

#include "common/util/utf16.h"

namespace cifsd::session::posix {
namespace {

constexpr std::array<uint8_t, 16> kTag = {0x93, 0xAD, 0x25, 0x50, 0x9C, 0xB4, 0x11, 0xE7,
                                          0xB4, 0x23, 0x83, 0xDE, 0x96, 0x8B, 0xCD, 0x7C};

enum : uint32_t { kFile = 0, kDir = 1, kSymlink = 2, kChar = 3, kBlock = 4, kFifo = 5, kSocket = 6 };

uint32_t type_of(uint32_t st_mode) {
  switch (st_mode & S_IFMT) {
    case S_IFDIR: return kDir;
    case S_IFLNK: return kSymlink;
    case S_IFCHR: return kChar;
    case S_IFBLK: return kBlock;
    case S_IFIFO: return kFifo;
    case S_IFSOCK: return kSocket;
  }
  return kFile;
}

// The Unix SIDs of docs/acl.md: S-1-22-1-uid for users, S-1-22-2-gid for groups.
void unix_sid(ByteWriter& w, uint32_t kind, uint32_t id) {
  w.u8(1);
  w.u8(2);
  w.zeros(5);
  w.u8(22);
  w.u32(kind);
  w.u32(id);
}

// From CreationTime to DeviceId/Zero: the part FilePosixInformation shares
// with the directory entry.
void put_common(ByteWriter& w, const vfs::FileStat& st) {
  w.u64(st.creation);
  w.u64(st.last_access);
  w.u64(st.last_write);
  w.u64(st.change);
  w.u64(st.size);
  w.u64(st.alloc);
  w.u32(st.attrs);
  w.u64(st.ino);
  w.u32(uint32_t(st.dev));
  w.u32(0);
  put_create_response(w, st);
}

}  // namespace

Bytes tag() { return Bytes(kTag.data(), kTag.size()); }

std::string_view create_context_name() {
  return std::string_view(reinterpret_cast<const char*>(kTag.data()), kTag.size());
}

bool is_tag(Bytes data) { return data.size() == kTag.size() && std::equal(data.begin(), data.end(), kTag.begin()); }

uint32_t wire_mode(uint32_t st_mode) { return (st_mode & 07777) | (type_of(st_mode) << 12); }

bool requested_mode(Bytes context_data, uint32_t* mode) {
  ByteReader r(context_data);
  uint32_t m = r.u32();
  if (!r.ok()) return false;
  *mode = m & 07777;
  return true;
}

void put_create_response(ByteWriter& w, const vfs::FileStat& st) {
  w.u32(st.nlink);
  w.u32(0);  // ReparseTag: symlinks are followed or refused, never exposed as reparse points
  w.u32(wire_mode(st.mode));
  unix_sid(w, 1, st.uid);
  unix_sid(w, 2, st.gid);
}

void put_file_info(ByteWriter& w, const vfs::FileStat& st) { put_common(w, st); }

// NextEntryOffset+FileIndex, times/sizes/attributes/inode/device (68), the
// create-context part with two 16-byte SIDs (44), FileNameLength.
size_t dir_entry_fixed_size() { return 8 + 68 + 44 + 4; }

size_t encode_dir_entry(const vfs::FileStat& st, std::string_view name_utf8, std::vector<uint8_t>* out) {
  ByteWriter w(*out);
  size_t start = w.size();
  std::vector<uint8_t> name = utf8_to_utf16le(name_utf8);
  w.u32(0);  // NextEntryOffset, linked by the caller
  w.u32(0);  // FileIndex
  put_common(w, st);
  w.u32(uint32_t(name.size()));
  w.bytes(name);
  return w.size() - start;
}

void put_fs_info(ByteWriter& w, const struct statvfs& sv) {
  w.u32(uint32_t(std::min<uint64_t>(sv.f_bsize, UINT32_MAX)));   // OptimalTransferSize
  w.u32(uint32_t(std::min<uint64_t>(sv.f_frsize, UINT32_MAX)));  // BlockSize
  w.u64(sv.f_blocks);
  w.u64(sv.f_bfree);
  w.u64(sv.f_bavail);
  w.u64(sv.f_files);
  w.u64(sv.f_ffree);
  w.u64(sv.f_fsid);
}

}  // namespace cifsd::session::posix
