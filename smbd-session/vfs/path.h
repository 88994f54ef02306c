#pragma once
// Pure name handling for the file-system commands: wire names (UTF-16LE,
// '\'-separated, relative to the share) become share-relative '/'-separated
// UTF-8 paths, or are rejected with the status a Windows server gives.
// Nothing here touches the file system, so all of it is unit tested.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"

namespace cifsd::session::vfs {

constexpr size_t kMaxComponentBytes = 255;   // NAME_MAX on Linux
constexpr size_t kMaxPathBytes = 4095;

enum class NameUse {
  kCreate,   // CREATE: wildcards invalid, leading '\' invalid
  kRename,   // rename/link target: like CREATE but a leading '\' is tolerated
};

struct ParsedName {
  std::string path;          // "" is the share root; no leading/trailing '/'
  bool trailing_sep = false; // the wire name ended in '\' (directory intent)
  // A ":stream" suffix naming something other than the default data stream
  // (streams/stream_name.h has the suffix rules).
  bool named_stream = false;
  std::string stream;        // the named stream ("" for the default stream)
  bool explicit_data = false; // a ":$DATA" type was spelled out ("f::$DATA")
};

// Converts and validates a wire name. Rules (as Windows answers them):
//   leading '\'                         -> INVALID_PARAMETER (kCreate)
//   empty component ("a\\b"), "."       -> OBJECT_NAME_INVALID
//   ".." anywhere                       -> OBJECT_PATH_SYNTAX_BAD
//   wildcard * ? < > " | or '/' or control characters -> OBJECT_NAME_INVALID
//   a component over 255 UTF-8 bytes, or the path over 4095 -> NAME_TOO_LONG
//   "name::$DATA" / "name:" -> the name itself; "name:s" -> named_stream
//   invalid UTF-16 (odd length, lone surrogate, NUL) -> OBJECT_NAME_INVALID
NtStatus parse_wire_name(Bytes utf16, NameUse use, ParsedName* out);

// Splits "a/b/c" into parent "a/b" and leaf "c" (parent "" for "c").
void split_parent(std::string_view path, std::string_view* parent, std::string_view* leaf);

// Simple case folding (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic):
// enough to make "Foo.TXT" find "foo.txt" and "ÄBC" find "äbc".
std::u32string fold_case(std::string_view utf8);
bool equal_fold(std::string_view a, std::string_view b);

// MS-FSCC DOS wildcard match (*, ?, <, >, "), case-insensitive. The pattern
// is UTF-8 already. Runs in O(len(pattern) * len(name)).
bool dos_wildcard_match(std::string_view pattern, std::string_view name);
bool has_wildcards(std::string_view pattern);

// "veto files" patterns: fnmatch(3) on one component (case-sensitive as the
// patterns are written; Samba-compatible configs list both cases if needed).
bool is_vetoed(std::string_view component, const std::vector<std::string>& patterns);
// True if any component of a '/'-separated path is vetoed.
bool path_vetoed(std::string_view path, const std::vector<std::string>& patterns);

// Share-relative path in wire form: "\a\b" (used by FileAllInformation).
std::string to_wire_path(std::string_view path);

}  // namespace cifsd::session::vfs
