#pragma once
// Extended attributes (MS-FSCC 2.4.15 FILE_FULL_EA_INFORMATION, 2.4.15.1
// FILE_GET_EA_INFORMATION): the wire codec (pure, fuzzed by
// tests/fuzz/ea_list_fuzz) and the store in Linux xattrs.
//
// Store: an EA named NAME is the xattr "user.cifsd.ea.NAME", NAME upper-cased
// as NTFS keeps EA names (lookups are case-insensitive), the value stored
// as is. Other "user." xattrs (DOS attributes, streams, other programs')
// are not EAs and never shown.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"

namespace cifsd::session::info {

constexpr const char* kEaXattrPrefix = "user.cifsd.ea.";
constexpr NtStatus kStatusEaListInconsistent = 0x80000014;
constexpr NtStatus kStatusInvalidEaName = 0x80000013;
constexpr NtStatus kStatusNoEasOnFile = 0xC0000052;
constexpr uint8_t kEaFlagNeedEa = 0x80;

struct Ea {
  std::string name;            // as on the wire (ASCII), 1..255 bytes
  std::vector<uint8_t> value;  // empty in a SET = delete the EA
  uint8_t flags = 0;
};

// A FILE_FULL_EA_INFORMATION chain (SET_INFO, CREATE "ExtA"). Checks the
// layout as IoCheckEaBufferValidity does: every entry inside the buffer,
// NextEntryOffset a multiple of 4 covering the entry, the name
// NUL-terminated -> else EA_LIST_INCONSISTENT; a name with characters
// Windows refuses (control characters, " * / : < > ? \ | + , ; = [ ])
// -> INVALID_EA_NAME.
NtStatus parse_full_ea_list(Bytes buf, std::vector<Ea>* out);
// A FILE_GET_EA_INFORMATION chain (the QUERY_INFO input buffer): names only.
NtStatus parse_get_ea_list(Bytes buf, std::vector<std::string>* names);

// Size of one encoded entry without padding, and EaSize as FileEaInformation
// reports it (the whole FILE_FULL_EA_INFORMATION chain with padding).
size_t ea_entry_size(const Ea& ea);
uint32_t ea_list_size(const std::vector<Ea>& eas);

// Encodes as many entries as fit in max_out (one if single). Returns
// SUCCESS (all), BUFFER_OVERFLOW (some), BUFFER_TOO_SMALL (not even one).
NtStatus encode_full_ea_list(const std::vector<Ea>& eas, uint32_t max_out, bool single,
                             std::vector<uint8_t>* out);

bool valid_ea_name(std::string_view name);
std::string upper_ascii(std::string_view s);

// Xattr store. fd may be an O_PATH fd. Return 0 or an errno.
int ea_list(int fd, std::vector<Ea>* out);              // all EAs with values
int ea_set(int fd, const Ea& ea);                       // empty value removes
}  // namespace cifsd::session::info
