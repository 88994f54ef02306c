#include "smbd-session/streams/stream_store.h"

#include <sys/xattr.h>

#include <cerrno>

#include "smbd-session/streams/stream_name.h"

namespace cifsd::session::streams {
namespace {

// The f*xattr calls refuse O_PATH fds (EBADF); the fd's /proc link works for
// any fd and still names exactly the inode we hold.
std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

ssize_t x_list(int fd, char* buf, size_t len) {
  ssize_t n = flistxattr(fd, buf, len);
  if (n < 0 && errno == EBADF) n = listxattr(proc_path(fd).c_str(), buf, len);
  return n;
}

ssize_t x_get(int fd, const std::string& name, void* buf, size_t len) {
  ssize_t n = fgetxattr(fd, name.c_str(), buf, len);
  if (n < 0 && errno == EBADF) n = getxattr(proc_path(fd).c_str(), name.c_str(), buf, len);
  return n;
}

int x_set(int fd, const std::string& name, const void* buf, size_t len, int flags) {
  int r = fsetxattr(fd, name.c_str(), buf, len, flags);
  if (r < 0 && errno == EBADF) r = setxattr(proc_path(fd).c_str(), name.c_str(), buf, len, flags);
  return r;
}

int x_remove(int fd, const std::string& name) {
  int r = fremovexattr(fd, name.c_str());
  if (r < 0 && errno == EBADF) r = removexattr(proc_path(fd).c_str(), name.c_str());
  return r;
}

// The raw list of xattr names (NUL-separated), retried if it grows between
// the size probe and the read.
int raw_list(int fd, std::vector<char>* out) {
  for (int attempt = 0; attempt < 4; attempt++) {
    ssize_t n = x_list(fd, nullptr, 0);
    if (n < 0) return errno;
    out->resize(size_t(n) + 1);
    n = x_list(fd, out->data(), out->size() - 1);
    if (n >= 0) {
      out->resize(size_t(n));
      return 0;
    }
    if (errno != ERANGE) return errno;
  }
  return ERANGE;
}

}  // namespace

int list_streams(int fd, std::vector<StreamEntry>* out) {
  out->clear();
  std::vector<char> names;
  int e = raw_list(fd, &names);
  if (e == ENOTSUP) return 0;
  if (e) return e;
  for (size_t i = 0; i < names.size();) {
    std::string_view x(names.data() + i);
    i += x.size() + 1;
    std::string_view s;
    if (!stream_of_xattr(x, &s)) continue;
    ssize_t n = x_get(fd, std::string(x), nullptr, 0);
    if (n < 0) continue;  // removed meanwhile
    out->push_back({std::string(s), uint64_t(n)});
  }
  return 0;
}

int find_stream(int fd, std::string_view name, std::string* stored, uint64_t* size) {
  // Exact spelling first: one syscall in the common case.
  ssize_t n = x_get(fd, xattr_name(name), nullptr, 0);
  if (n >= 0) {
    *stored = std::string(name);
    if (size) *size = uint64_t(n);
    return 0;
  }
  if (errno != ENODATA) return errno == ENOTSUP ? ENOENT : errno;
  std::vector<StreamEntry> all;
  int e = list_streams(fd, &all);
  if (e) return e;
  for (StreamEntry& s : all)
    if (same_stream(s.name, name)) {
      *stored = std::move(s.name);
      if (size) *size = s.size;
      return 0;
    }
  return ENOENT;
}

int read_stream(int fd, std::string_view stored, std::vector<uint8_t>* data) {
  std::string x = xattr_name(stored);
  for (int attempt = 0; attempt < 4; attempt++) {
    ssize_t n = x_get(fd, x, nullptr, 0);
    if (n < 0) return errno == ENODATA ? ENOENT : errno;
    data->resize(size_t(n));
    if (n == 0) return 0;
    n = x_get(fd, x, data->data(), data->size());
    if (n >= 0) {
      data->resize(size_t(n));
      return 0;
    }
    if (errno != ERANGE) return errno == ENODATA ? ENOENT : errno;
  }
  return ERANGE;
}

int write_stream(int fd, std::string_view stored, Bytes data, bool create_only) {
  if (data.size() > kMaxStreamSize) return ENOSPC;
  static const uint8_t kEmpty = 0;
  const void* p = data.empty() ? &kEmpty : data.data();
  if (x_set(fd, xattr_name(stored), p, data.size(), create_only ? XATTR_CREATE : 0) != 0) return errno;
  return 0;
}

int remove_stream(int fd, std::string_view stored) {
  if (x_remove(fd, xattr_name(stored)) != 0) return errno == ENODATA ? ENOENT : errno;
  return 0;
}

int remove_all_streams(int fd) {
  std::vector<StreamEntry> all;
  int e = list_streams(fd, &all);
  if (e) return e;
  int first = 0;
  for (const StreamEntry& s : all) {
    int r = remove_stream(fd, s.name);
    if (r && r != ENOENT && !first) first = r;
  }
  return first;
}

}  // namespace cifsd::session::streams
