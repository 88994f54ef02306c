#pragma once
// UTF-16LE (the wire) <-> UTF-8 (Linux names). Invalid input fails instead of
// being patched: a name that does not convert is an invalid name.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd {

std::optional<std::string> utf16le_to_utf8(Bytes in);
std::vector<uint8_t> utf8_to_utf16le(std::string_view in);
// Upper-cases ASCII only, as NTLM does for user and domain names we compare.
std::string ascii_upper(std::string_view s);
std::string ascii_lower(std::string_view s);

}  // namespace cifsd
