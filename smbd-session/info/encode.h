#pragma once
// Encoders of the MS-FSCC information classes the file commands return:
// file information (2.4), directory entries (2.4.x used by QUERY_DIRECTORY),
// file-system information (2.5) and the POSIX-derived security descriptor
// (MS-DTYP 2.4.6). Pure functions over FileStat; unit tested for sizes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/smb/ntstatus.h"
#include "smbd-session/mangle/short_name.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session::info {

// FileInformationClass values (MS-FSCC 2.4)
enum : uint8_t {
  kFileDirectoryInformation = 1, kFileFullDirectoryInformation = 2,
  kFileBothDirectoryInformation = 3, kFileBasicInformation = 4, kFileStandardInformation = 5,
  kFileInternalInformation = 6, kFileEaInformation = 7, kFileAccessInformation = 8,
  kFileRenameInformation = 10, kFileLinkInformation = 11, kFileNamesInformation = 12,
  kFileDispositionInformation = 13, kFilePositionInformation = 14, kFileFullEaInformation = 15,
  kFileModeInformation = 16, kFileAlignmentInformation = 17, kFileAllInformation = 18,
  kFileAllocationInformation = 19, kFileEndOfFileInformation = 20,
  kFileAlternateNameInformation = 21, kFileStreamInformation = 22,
  kFileCompressionInformation = 28, kFileNetworkOpenInformation = 34,
  kFileAttributeTagInformation = 35, kFileIdBothDirectoryInformation = 37,
  kFileIdFullDirectoryInformation = 38, kFileValidDataLengthInformation = 39,
  kFileShortNameInformation = 40, kFileNormalizedNameInformation = 48,
  kFileDispositionInformationEx = 64, kFileRenameInformationEx = 65,
};
// FsInformationClass values (MS-FSCC 2.5)
enum : uint8_t {
  kFsVolume = 1, kFsLabel = 2, kFsSize = 3, kFsDevice = 4, kFsAttribute = 5, kFsControl = 6,
  kFsFullSize = 7, kFsObjectId = 8, kFsSectorSize = 11,
};

// What a file class needs beyond the inode.
struct OpenView {
  const vfs::FileStat* st = nullptr;
  uint64_t position = 0;
  uint32_t mode = 0;            // FILE_MODE_INFORMATION bits from CreateOptions
  uint32_t access = 0;          // granted access
  bool delete_pending = false;
  bool mangled_names = true;    // generate 8.3 short names (mangle/short_name.h)
  std::string wire_path;        // "\dir\file" for FileAllInformation
};

// Appends the encoding of a QUERY_INFO file class. *fixed is the size of
// its fixed part as Windows counts it: sizeof the C structure, including
// one padded WCHAR of a trailing name (a smaller output buffer is
// INFO_LENGTH_MISMATCH; a
// buffer between fixed and the full size gets truncated data and
// BUFFER_OVERFLOW). Unsupported classes give INVALID_INFO_CLASS /
// NOT_SUPPORTED / OBJECT_NAME_NOT_FOUND (no 8.3 names).
NtStatus encode_file_info(uint8_t cls, const OpenView& v, std::vector<uint8_t>* out, size_t* fixed);

// True if `name` is a valid 8.3 (DOS) name, which is then its own short name.
using mangle::is_8dot3;

// Directory entries. dir_entry_fixed_size is 0 for classes we do not serve.
size_t dir_entry_fixed_size(uint8_t cls);
// Appends one entry with NextEntryOffset 0 (the caller links entries and
// pads to 8). Returns the entry's size.
// `short_name` fills the ShortName of the FileBoth/FileIdBoth classes ("" = none).
size_t encode_dir_entry(uint8_t cls, const vfs::FileStat& st, std::string_view name_utf8,
                        std::vector<uint8_t>* out, std::string_view short_name = {});

struct FsView {
  uint64_t block_size = 4096;      // f_frsize
  uint64_t blocks = 0, bfree = 0, bavail = 0;
  uint64_t fsid = 0;               // statfs f_fsid as one number
  uint64_t root_dev = 0, root_ino = 0;
  uint64_t volume_creation = 0;    // FILETIME of the share root
  uint32_t max_name = 255;
  std::string label;               // the share name
  bool named_streams = false;      // FILE_NAMED_STREAMS (streams/stream_open.h)
};
NtStatus encode_fs_info(uint8_t cls, const FsView& v, std::vector<uint8_t>* out, size_t* fixed);

// Self-relative security descriptor from POSIX ownership and mode bits:
// owner S-1-22-1-uid, group S-1-22-2-gid, a DACL granting owner/group/
// Everyone the rights their rwx bits give. `which` = AdditionalInformation
// (OWNER 1, GROUP 2, DACL 4; SACL is never returned).
std::vector<uint8_t> posix_security_descriptor(uint32_t uid, uint32_t gid, uint32_t mode,
                                               bool is_dir, uint32_t which);

}  // namespace cifsd::session::info
