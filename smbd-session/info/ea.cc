#include "smbd-session/info/ea.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/wire/writer.h"

namespace cifsd::session::info {
namespace {

size_t pad4(size_t n) { return (n + 3) & ~size_t(3); }

// fgetxattr & co. refuse O_PATH fds (EBADF); the fd's /proc link reaches the
// same inode without another lookup.
std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

ssize_t x_list(int fd, char* buf, size_t len) {
  ssize_t n = flistxattr(fd, buf, len);
  if (n < 0 && errno == EBADF) n = listxattr(proc_path(fd).c_str(), buf, len);
  return n;
}
ssize_t x_get(int fd, const char* name, void* buf, size_t len) {
  ssize_t n = fgetxattr(fd, name, buf, len);
  if (n < 0 && errno == EBADF) n = getxattr(proc_path(fd).c_str(), name, buf, len);
  return n;
}
int x_set(int fd, const char* name, const void* buf, size_t len) {
  int r = fsetxattr(fd, name, buf, len, 0);
  if (r < 0 && errno == EBADF) r = setxattr(proc_path(fd).c_str(), name, buf, len, 0);
  return r;
}
int x_remove(int fd, const char* name) {
  int r = fremovexattr(fd, name);
  if (r < 0 && errno == EBADF) r = removexattr(proc_path(fd).c_str(), name);
  return r;
}

}  // namespace

bool valid_ea_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    unsigned char u = (unsigned char)c;
    if (u < 0x20 || u >= 0x7F) return false;
    if (std::strchr("\"*+,/:;<=>?[\\]|", c)) return false;
  }
  return true;
}

std::string upper_ascii(std::string_view s) {
  std::string o(s);
  for (char& c : o)
    if (c >= 'a' && c <= 'z') c = char(c - 32);
  return o;
}

NtStatus parse_full_ea_list(Bytes buf, std::vector<Ea>* out) {
  out->clear();
  size_t at = 0;
  for (;;) {
    ByteReader r(buf.subspan(std::min(at, buf.size())));
    uint32_t next = r.u32();
    uint8_t flags = r.u8();
    uint8_t name_len = r.u8();
    uint16_t value_len = r.u16();
    if (!r.ok()) return kStatusEaListInconsistent;
    Bytes name = r.bytes(size_t(name_len) + 1);
    Bytes value = r.bytes(value_len);
    if (!r.ok() || name[name_len] != 0) return kStatusEaListInconsistent;
    const size_t entry = 8 + size_t(name_len) + 1 + value_len;
    if (next != 0 && (next % 4 != 0 || next < entry)) return kStatusEaListInconsistent;
    Ea ea;
    ea.flags = flags;
    ea.name.assign(reinterpret_cast<const char*>(name.data()), name_len);
    if (std::memchr(ea.name.data(), 0, ea.name.size())) return kStatusInvalidEaName;
    if (!valid_ea_name(ea.name)) return kStatusInvalidEaName;
    ea.value.assign(value.begin(), value.end());
    out->push_back(std::move(ea));
    if (next == 0) return status::kSuccess;
    if (next > buf.size() - at) return kStatusEaListInconsistent;
    at += next;
  }
}

NtStatus parse_get_ea_list(Bytes buf, std::vector<std::string>* names) {
  names->clear();
  size_t at = 0;
  for (;;) {
    ByteReader r(buf.subspan(std::min(at, buf.size())));
    uint32_t next = r.u32();
    uint8_t name_len = r.u8();
    Bytes name = r.bytes(size_t(name_len) + 1);
    if (!r.ok() || name[name_len] != 0) return kStatusEaListInconsistent;
    if (next != 0 && (next % 4 != 0 || next < 5 + size_t(name_len) + 1)) return kStatusEaListInconsistent;
    std::string n(reinterpret_cast<const char*>(name.data()), name_len);
    if (!valid_ea_name(n)) return kStatusInvalidEaName;
    names->push_back(std::move(n));
    if (next == 0) return status::kSuccess;
    if (next > buf.size() - at) return kStatusEaListInconsistent;
    at += next;
  }
}

size_t ea_entry_size(const Ea& ea) { return 8 + ea.name.size() + 1 + ea.value.size(); }

uint32_t ea_list_size(const std::vector<Ea>& eas) {
  size_t total = 0;
  for (size_t i = 0; i < eas.size(); i++)
    total += i + 1 < eas.size() ? pad4(ea_entry_size(eas[i])) : ea_entry_size(eas[i]);
  return uint32_t(std::min<size_t>(total, UINT32_MAX));
}

NtStatus encode_full_ea_list(const std::vector<Ea>& eas, uint32_t max_out, bool single,
                             std::vector<uint8_t>* out) {
  out->clear();
  ByteWriter w(*out);
  size_t prev = SIZE_MAX;
  size_t count = 0;
  for (const Ea& ea : eas) {
    size_t at = pad4(out->size());
    if (at + ea_entry_size(ea) > max_out) break;
    out->resize(at, 0);
    if (prev != SIZE_MAX) w.patch_u32(prev, uint32_t(at - prev));
    prev = at;
    w.u32(0);
    w.u8(ea.flags);
    w.u8(uint8_t(ea.name.size()));
    w.u16(uint16_t(ea.value.size()));
    w.raw(ea.name.data(), ea.name.size());
    w.u8(0);
    w.bytes(ea.value);
    count++;
    if (single) break;
  }
  if (count == 0) return status::kBufferTooSmall;
  return count < eas.size() && !single ? status::kBufferOverflow : status::kSuccess;
}

int ea_list(int fd, std::vector<Ea>* out) {
  out->clear();
  std::vector<char> names(4096);
  ssize_t n;
  for (;;) {
    n = x_list(fd, names.data(), names.size());
    if (n >= 0) break;
    if (errno != ERANGE || names.size() >= (1u << 20)) return errno;
    names.resize(names.size() * 4);
  }
  const size_t plen = std::strlen(kEaXattrPrefix);
  for (ssize_t i = 0; i < n;) {
    const char* nm = names.data() + i;
    size_t len = strnlen(nm, size_t(n - i));
    i += ssize_t(len) + 1;
    if (len <= plen || std::strncmp(nm, kEaXattrPrefix, plen) != 0) continue;
    Ea ea;
    ea.name.assign(nm + plen, len - plen);
    if (!valid_ea_name(ea.name)) continue;
    std::vector<uint8_t> v(65535);
    ssize_t got = x_get(fd, nm, v.data(), v.size());
    if (got < 0) continue;  // removed meanwhile
    v.resize(size_t(got));
    ea.value = std::move(v);
    out->push_back(std::move(ea));
  }
  return 0;
}

int ea_set(int fd, const Ea& ea) {
  std::string x = std::string(kEaXattrPrefix) + upper_ascii(ea.name);
  if (ea.value.empty()) {
    if (x_remove(fd, x.c_str()) != 0 && errno != ENODATA) return errno;
    return 0;
  }
  return x_set(fd, x.c_str(), ea.value.data(), ea.value.size()) == 0 ? 0 : errno;
}

}  // namespace cifsd::session::info
