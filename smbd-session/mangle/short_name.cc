#include "smbd-session/mangle/short_name.h"

#include <cstdint>
#include <unordered_map>

#include "smbd-session/vfs/path.h"

namespace cifsd::session::mangle {
namespace {

constexpr std::string_view kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr size_t kHashDigits = 4;
constexpr size_t kMaxPrefix = 8 - 1 - kHashDigits;  // 3

// Characters a short name may hold besides letters and digits.
bool special_ok(char c) { return std::string_view("$%'-_@~`!(){}^#&").find(c) != std::string_view::npos; }

// Appends the short-name form of `part`, at most `max` characters.
void map_part(std::string_view part, size_t max, std::string* out) {
  size_t added = 0;
  for (size_t i = 0; i < part.size() && added < max;) {
    unsigned char c = (unsigned char)part[i];
    if (c >= 0x80) {
      // One '_' per non-ASCII character: skip its continuation bytes.
      i++;
      while (i < part.size() && ((unsigned char)part[i] & 0xC0) == 0x80) i++;
      *out += '_';
      added++;
      continue;
    }
    i++;
    if (c == ' ' || c == '.') continue;
    char m;
    if (c >= 'a' && c <= 'z') m = char(c - 32);
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || special_ok(char(c))) m = char(c);
    else m = '_';
    *out += m;
    added++;
  }
}

uint64_t name_hash(std::string_view long_name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char32_t c : vfs::fold_case(long_name))
    for (int i = 0; i < 4; i++) {
      h ^= (uint64_t(c) >> (8 * i)) & 0xFF;
      h *= 0x100000001b3ull;
    }
  return h;
}

std::string upper_ascii(std::string_view s) {
  std::string o(s);
  for (char& c : o)
    if (c >= 'a' && c <= 'z') c = char(c - 32);
  return o;
}

}  // namespace

bool is_8dot3(std::string_view n) {
  if (n.empty() || n == "." || n == "..") return false;
  size_t dot = n.find('.');
  std::string_view base = n.substr(0, dot);
  std::string_view ext = dot == std::string_view::npos ? std::string_view() : n.substr(dot + 1);
  if (base.empty() || base.size() > 8 || ext.size() > 3) return false;
  if (dot != std::string_view::npos && ext.empty()) return false;
  for (std::string_view part : {base, ext})
    for (char c : part) {
      unsigned char u = (unsigned char)c;
      if (u <= 0x20 || u >= 0x7F) return false;
      if (std::string_view("\"*+,./:;<=>?[]|\\").find(c) != std::string_view::npos) return false;
    }
  return true;
}

std::string short_name(std::string_view n) {
  if (is_8dot3(n)) return std::string(n);
  size_t start = 0;
  while (start < n.size() && n[start] == '.') start++;
  size_t dot = n.rfind('.');
  std::string_view base, ext;
  if (dot == std::string_view::npos || dot < start) {
    base = n.substr(start);
  } else {
    base = n.substr(start, dot - start);
    ext = n.substr(dot + 1);
  }
  std::string out;
  map_part(base, kMaxPrefix, &out);
  if (out.empty()) out.push_back('_');  // not out = "_": g++ 12 -Wrestrict false positive
  out += '~';
  uint64_t h = name_hash(n);
  for (size_t i = 0; i < kHashDigits; i++) {
    out += kDigits[h % kDigits.size()];
    h /= kDigits.size();
  }
  std::string e;
  map_part(ext, 3, &e);
  if (!e.empty()) out += "." + e;
  return out;
}

bool looks_generated(std::string_view n) {
  size_t dot = n.find('.');
  std::string_view base = n.substr(0, dot);
  if (dot != std::string_view::npos && n.size() - dot - 1 > 3) return false;
  if (base.size() < kHashDigits + 2 || base.size() > 8) return false;
  if (base[base.size() - kHashDigits - 1] != '~') return false;
  for (char c : base.substr(base.size() - kHashDigits)) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return false;
  }
  return true;
}

namespace {
std::unordered_map<std::string, std::string>& memory() {
  static std::unordered_map<std::string, std::string> m;
  return m;
}
std::string memory_key(std::string_view dir, std::string_view short_nm) {
  std::string k;
  for (char32_t c : vfs::fold_case(dir)) k += std::to_string(uint32_t(c)) + ",";
  k += '/';
  k += upper_ascii(short_nm);
  return k;
}
}  // namespace

void remember(std::string_view dir, std::string_view long_name) {
  if (is_8dot3(long_name)) return;  // its own short name: nothing to recall
  auto& m = memory();
  if (m.size() >= 4096) m.clear();  // bounded; forgetting is harmless
  m[memory_key(dir, short_name(long_name))] = std::string(long_name);
}

std::optional<std::string> recall(std::string_view dir, std::string_view short_nm) {
  auto& m = memory();
  auto it = m.find(memory_key(dir, short_nm));
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace cifsd::session::mangle
