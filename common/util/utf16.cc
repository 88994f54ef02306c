#include "common/util/utf16.h"

namespace cifsd {

std::optional<std::string> utf16le_to_utf8(Bytes in) {
  if (in.size() % 2) return std::nullopt;
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); i += 2) {
    uint32_t c = uint32_t(in[i] | in[i + 1] << 8);
    if (c >= 0xD800 && c <= 0xDBFF) {
      if (i + 3 >= in.size()) return std::nullopt;
      uint32_t lo = uint32_t(in[i + 2] | in[i + 3] << 8);
      if (lo < 0xDC00 || lo > 0xDFFF) return std::nullopt;
      c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      return std::nullopt;
    }
    if (c == 0) return std::nullopt;  // an embedded NUL would truncate a Linux name
    if (c < 0x80) {
      out += char(c);
    } else if (c < 0x800) {
      out += char(0xC0 | c >> 6);
      out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += char(0xE0 | c >> 12);
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    } else {
      out += char(0xF0 | c >> 18);
      out += char(0x80 | ((c >> 12) & 0x3F));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::vector<uint8_t> utf8_to_utf16le(std::string_view in) {
  std::vector<uint8_t> out;
  out.reserve(in.size() * 2);
  auto put = [&](uint32_t u) { out.push_back(uint8_t(u)); out.push_back(uint8_t(u >> 8)); };
  for (size_t i = 0; i < in.size();) {
    unsigned char b = (unsigned char)in[i];
    uint32_t c;
    size_t n;
    if (b < 0x80) { c = b; n = 1; }
    else if ((b & 0xE0) == 0xC0) { c = b & 0x1F; n = 2; }
    else if ((b & 0xF0) == 0xE0) { c = b & 0x0F; n = 3; }
    else if ((b & 0xF8) == 0xF0) { c = b & 0x07; n = 4; }
    else { c = 0xFFFD; n = 1; }
    if (n > 1) {
      if (i + n > in.size()) { c = 0xFFFD; n = 1; }
      else {
        for (size_t k = 1; k < n; k++) {
          unsigned char cb = (unsigned char)in[i + k];
          if ((cb & 0xC0) != 0x80) { c = 0xFFFD; n = 1; break; }
          c = c << 6 | (cb & 0x3F);
        }
      }
    }
    i += n;
    if (c >= 0x10000) {
      c -= 0x10000;
      put(0xD800 + (c >> 10));
      put(0xDC00 + (c & 0x3FF));
    } else {
      put(c);
    }
  }
  return out;
}

std::string ascii_upper(std::string_view s) {
  std::string o(s);
  for (char& c : o) if (c >= 'a' && c <= 'z') c = char(c - 32);
  return o;
}
std::string ascii_lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) if (c >= 'A' && c <= 'Z') c = char(c + 32);
  return o;
}

}  // namespace cifsd
