#include "smbd-rpc/ndr.h"

#include "common/util/utf16.h"

namespace cifsd::rpc {

std::optional<std::string> NdrReader::wstring() {
  uint32_t max_count = u32();
  uint32_t offset = u32();
  uint32_t actual = u32();
  if (!ok()) return std::nullopt;
  // Validate the three counts against each other and the buffer before
  // taking any bytes: a string of zero units has no NUL and is malformed.
  if (offset != 0 || actual == 0 || actual > max_count || actual > kMaxNdrString ||
      size_t(actual) * 2 > r_.remaining()) {
    fail();
    return std::nullopt;
  }
  Bytes units = r_.bytes(size_t(actual) * 2);
  if (!ok()) return std::nullopt;
  if (units[units.size() - 2] != 0 || units[units.size() - 1] != 0) {
    fail();
    return std::nullopt;
  }
  // A [string] ends at its first NUL (C706 14.3.4.2); units after it are
  // padding some clients send (impacket pads server names with NULs).
  size_t len = 0;
  while (units[len] != 0 || units[len + 1] != 0) len += 2;
  auto s = utf16le_to_utf8(units.first(len));
  if (!s) {
    fail();
    return std::nullopt;
  }
  return s;
}

std::optional<uint32_t> NdrReader::conformance(size_t min_elem_size) {
  uint32_t n = u32();
  if (!ok()) return std::nullopt;
  if (min_elem_size && size_t(n) > r_.remaining() / min_elem_size) {
    fail();
    return std::nullopt;
  }
  return n;
}

void NdrWriter::wstring(std::string_view utf8) {
  std::vector<uint8_t> units = utf8_to_utf16le(utf8);
  uint32_t count = uint32_t(units.size() / 2 + 1);
  u32(count);
  u32(0);
  u32(count);
  w_.bytes({units.data(), units.size()});
  w_.u16(0);
}

}  // namespace cifsd::rpc
