#include "smbd-session/streams/stream_name.h"

#include "common/util/utf16.h"
#include "smbd-session/vfs/path.h"

namespace cifsd::session::streams {
namespace {

// UTF-16 code units of a UTF-8 string (4-byte sequences are surrogate pairs).
size_t utf16_units(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

bool valid_stream_name(std::string_view s) {
  for (char c : s)
    if (c == '\0' || c == '/' || c == '\\') return false;
  return utf16_units(s) <= kMaxStreamNameUnits && s.size() <= kMaxStreamNameBytes;
}

}  // namespace

NtStatus parse_stream_suffix(std::string_view rest, StreamSpec* out) {
  *out = StreamSpec{};
  if (rest.empty()) return status::kSuccess;  // "file:" names the file itself
  size_t colon = rest.find(':');
  std::string_view name = rest.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view type = rest.substr(colon + 1);
    // Only the data stream type exists for files we serve; an empty type,
    // another attribute type or a third ':' part is an invalid name.
    if (ascii_upper(type) != "$DATA") return status::kObjectNameInvalid;
    out->explicit_type = true;
  }
  if (!valid_stream_name(name)) return status::kObjectNameInvalid;
  out->name = std::string(name);
  return status::kSuccess;
}

std::string xattr_name(std::string_view stream) {
  std::string x(kXattrPrefix);
  x += stream;
  return x;
}

bool stream_of_xattr(std::string_view xattr, std::string_view* stream) {
  if (xattr.size() <= kXattrPrefix.size() || xattr.substr(0, kXattrPrefix.size()) != kXattrPrefix)
    return false;
  *stream = xattr.substr(kXattrPrefix.size());
  return true;
}

bool same_stream(std::string_view a, std::string_view b) { return vfs::equal_fold(a, b); }

void broker_key(uint64_t dev, uint64_t ino, std::string_view stream, uint64_t* key_dev,
                uint64_t* key_ino) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  auto mix = [&h](uint64_t byte) {
    h ^= byte & 0xFF;
    h *= 0x100000001b3ull;
  };
  for (int i = 0; i < 8; i++) mix(ino >> (8 * i));
  for (char32_t c : vfs::fold_case(stream))
    for (int i = 0; i < 4; i++) mix(uint64_t(c) >> (8 * i));
  *key_dev = dev | (1ull << 63);
  *key_ino = h;
}

}  // namespace cifsd::session::streams
