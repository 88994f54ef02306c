#pragma once
// 8.3 short names ("mangled names"), our own deterministic scheme
// (docs/short-names.md):
//
//  * A name needs a short name unless it already is a valid 8.3 name
//    (MS-FSCC 2.1.5.2.1: 1-8 base characters, an optional '.' and 1-3
//    extension characters, only characters valid in short names). Such a name
//    is its own short name (FileAlternateNameInformation returns it).
//  * Any other name gets PREFIX~HASH[.EXT]: PREFIX is the first (up to) three
//    valid characters of the base (the part before the last '.', leading dots
//    skipped), upper-cased, with spaces and dots dropped and other invalid
//    characters turned into '_'; HASH is four base-36 digits of a 64-bit
//    FNV-1a hash of the case-folded long name; EXT is the first (up to) three
//    valid characters after the last '.'. Example: "Program Files" ->
//    "PRO~xxxx". The same long name gets the same short name everywhere and
//    every time (no per-directory state), so all session processes agree.
//  * Two long names in one directory can collide (1 in 1.7 million per pair
//    with the same prefix); a lookup by short name then finds the first one
//    in directory order.
//
// Pure functions, unit tested (tests/unit/session/short_name_test.cc).
#include <optional>
#include <string>
#include <string_view>

namespace cifsd::session::mangle {

// True if `name` (UTF-8) is a valid 8.3 name as it stands.
bool is_8dot3(std::string_view name);
// The short name of a long name: the name itself if it is a valid 8.3 name
// (returned as given), otherwise the generated PREFIX~HASH[.EXT].
std::string short_name(std::string_view long_name);
// True if `name` has the shape of a generated short name (a cheap test done
// before a directory is scanned for the long name it stands for).
bool looks_generated(std::string_view name);

// A small process-wide memory of short names handed out (QUERY_INFO,
// QUERY_DIRECTORY): (directory, short name) -> long name. A create by a
// short name whose file no longer exists then re-creates the long name, as
// Samba does (smbtorture smb2.mangle relies on it). Bounded; forgetting is
// harmless (the create then uses the short name literally).
void remember(std::string_view dir, std::string_view long_name);
std::optional<std::string> recall(std::string_view dir, std::string_view short_name);

}  // namespace cifsd::session::mangle
