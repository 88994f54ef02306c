#pragma once
// Parsers of the SET_INFO buffers that carry structure (MS-FSCC 2.4). Pure;
// fuzzed by tests/fuzz/setinfo_fuzz.
#include <cstdint>

#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"

namespace cifsd::session::info {

// FILE_RENAME_INFORMATION / _EX and FILE_LINK_INFORMATION in their SMB2
// layout (MS-FSCC 2.4.42.2, 2.4.27.2): ReplaceIfExists (1 byte, or a u32 of
// flags in the _EX form), 7/4 reserved bytes, RootDirectory (u64),
// FileNameLength (u32), FileName.
struct RenameInfo {
  bool replace = false;
  uint32_t flags = 0;          // _EX flags (REPLACE_IF_EXISTS 1, POSIX_SEMANTICS 2, ...)
  uint64_t root_directory = 0;
  Bytes name;                  // UTF-16LE, non-empty, even length
};
constexpr uint32_t kRenameReplaceIfExists = 0x1;
NtStatus parse_rename_info(Bytes buf, bool ex, RenameInfo* out);

struct BasicInfo {
  uint64_t creation = 0, last_access = 0, last_write = 0, change = 0;
  uint32_t attributes = 0;
};
NtStatus parse_basic_info(Bytes buf, BasicInfo* out);

}  // namespace cifsd::session::info
