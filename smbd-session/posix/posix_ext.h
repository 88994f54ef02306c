#pragma once
// SMB 3.1.1 POSIX extensions (the SMB3 POSIX Extensions specification that
// the Linux kernel client implements; docs/posix-extensions.md): the
// negotiate context that turns them on, the POSIX create context (mode bits
// in, link count / mode / owner / group out) and information class 100 for
// QUERY_INFO (file and file system) and QUERY_DIRECTORY. Pure encoders over
// vfs::FileStat; unit tested in tests/unit/session/posix_ext_test.cc.
#include <sys/statvfs.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/wire/reader.h"
#include "common/wire/writer.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session::posix {

constexpr uint16_t kNegotiateContextType = 0x0100;  // SMB3_POSIX_EXTENSIONS_AVAILABLE
constexpr uint8_t kInfoClass = 100;                  // FilePosixInformation / FileFsPosixInformation

// The 16-byte tag that names both the negotiate context data and the create
// context (93AD2550-9CB4-11E7-B423-83DE968BCD7C, in wire byte order).
Bytes tag();
// The create context's name as CreateRequest::find takes it.
std::string_view create_context_name();
// True when a negotiate context's data names this version of the extensions.
bool is_tag(Bytes data);

// Mode bits on the wire: permission and set-id/sticky bits at their POSIX
// values, the file type as an enumeration in bits 12-14.
uint32_t wire_mode(uint32_t st_mode);
// Permission bits (07777) a client asked for in the create context; false if
// the context is malformed (shorter than its 4-byte mode).
bool requested_mode(Bytes context_data, uint32_t* mode);

// The POSIX create response context's data: HardLinks, ReparseTag, Mode,
// owner SID (S-1-22-1-uid) and group SID (S-1-22-2-gid).
void put_create_response(ByteWriter& w, const vfs::FileStat& st);
// FilePosixInformation (QUERY_INFO, file class 100).
void put_file_info(ByteWriter& w, const vfs::FileStat& st);
// One QUERY_DIRECTORY entry of class 100 with NextEntryOffset 0; returns its size.
size_t encode_dir_entry(const vfs::FileStat& st, std::string_view name_utf8, std::vector<uint8_t>* out);
// Size of the fixed part of a directory entry (before the name), for buffer checks.
size_t dir_entry_fixed_size();
// FileFsPosixInformation (QUERY_INFO, file-system class 100).
void put_fs_info(ByteWriter& w, const struct statvfs& sv);
constexpr size_t kFsInfoSize = 56;

}  // namespace cifsd::session::posix
