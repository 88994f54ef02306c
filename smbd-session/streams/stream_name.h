#pragma once
// Named data streams ("file:stream[:$DATA]", MS-FSCC 2.1.5.4): the pure part.
// Parsing and validation of the ":stream:type" suffix of a wire name, the
// xattr naming scheme that stores a stream, and the share-mode key of a
// stream. Nothing here touches the file system; all of it is unit tested and
// fuzzed (tests/fuzz/stream_name_fuzz.cc).
//
// Storage scheme (docs/streams.md): the stream "Name" of a file or directory
// lives in the xattr "user.cifsd.stream.Name" (the client's first spelling;
// lookups are case-insensitive). The default data stream "::$DATA" is the
// file's own data and never has an xattr.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/smb/ntstatus.h"

namespace cifsd::session::streams {

constexpr std::string_view kXattrPrefix = "user.cifsd.stream.";
// Windows limits a stream name to 255 UTF-16 code units; the xattr name
// (XATTR_NAME_MAX 255 bytes, our prefix included) limits its UTF-8 form.
constexpr size_t kMaxStreamNameUnits = 255;
constexpr size_t kMaxStreamNameBytes = 255 - kXattrPrefix.size();

struct StreamSpec {
  std::string name;           // "" is the default data stream
  bool explicit_type = false; // a ":$DATA" type was given ("f::$DATA", "f:s:$DATA")
};

// Parses what follows the first ':' of the last path component, already
// converted to UTF-8: "stream", "stream:type", ":type" or "". Rules (as
// Windows answers them):
//   "" (the wire name was "file:")       -> the default stream
//   ":$DATA" (case-insensitive type)      -> the default stream, explicit
//   "s" / "s:$DATA"                       -> stream "s"
//   "s:" (empty type), "s:$FOO", "s:x:y", "::" -> OBJECT_NAME_INVALID
//   a stream name with '/', '\' or NUL    -> OBJECT_NAME_INVALID
//   a stream name longer than 255 UTF-16 units, or whose xattr name would
//   not fit                               -> OBJECT_NAME_INVALID
// Wildcards and control characters are valid in stream names (MS-FSCC).
NtStatus parse_stream_suffix(std::string_view rest, StreamSpec* out);

// "user.cifsd.stream." + name.
std::string xattr_name(std::string_view stream);
// The stream name of one of our xattr names; false for any other xattr.
bool stream_of_xattr(std::string_view xattr, std::string_view* stream);

// Stream names compare case-insensitively (the same folding as file names).
bool same_stream(std::string_view a, std::string_view b);

// The share-mode key of a stream for the master's broker, which keys opens by
// (dev, ino): streams get dev with bit 63 set (no real device number has it)
// and a 64-bit FNV-1a hash of the file's inode and the case-folded stream
// name, so opens of different streams of one file never conflict while opens
// of the same stream do, across every client.
void broker_key(uint64_t dev, uint64_t ino, std::string_view stream, uint64_t* key_dev,
                uint64_t* key_ino);

}  // namespace cifsd::session::streams
