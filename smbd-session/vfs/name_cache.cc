#include "smbd-session/vfs/name_cache.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <unordered_map>

#include "common/log/log.h"
#include "common/util/unique_fd.h"
#include "smbd-session/vfs/path.h"

namespace cifsd::session::vfs {
namespace {

constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |
                           IN_MOVE_SELF | IN_ONLYDIR;

struct Dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

struct U32Hash {
  size_t operator()(const std::u32string& s) const noexcept { return std::hash<std::u32string>{}(s); }
};

struct Dir {
  uint64_t dev = 0, ino = 0;
  int wd = -1;
  // folded name -> the names on disk with that folding (a case-sensitive
  // file system may hold "A" and "a")
  std::unordered_map<std::u32string, std::vector<std::string>, U32Hash> names;
  size_t count = 0;

  void add(std::string_view n) {
    auto& v = names[fold_case(n)];
    for (const auto& x : v)
      if (x == n) return;
    v.emplace_back(n);
    count++;
  }
  void remove(std::string_view n) {
    auto it = names.find(fold_case(n));
    if (it == names.end()) return;
    auto& v = it->second;
    for (size_t i = 0; i < v.size(); i++)
      if (v[i] == n) {
        v.erase(v.begin() + ptrdiff_t(i));
        count--;
        break;
      }
    if (v.empty()) names.erase(it);
  }
};

bool scan(int dirfd, Dir* d) {
  if (lseek(dirfd, 0, SEEK_SET) < 0) return false;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    long n = syscall(SYS_getdents64, dirfd, buf.data(), buf.size());
    if (n < 0) return false;
    if (n == 0) break;
    for (long off = 0; off < n;) {
      auto* e = reinterpret_cast<Dirent64*>(buf.data() + off);
      off += e->d_reclen;
      std::string_view nm(e->d_name);
      if (nm == "." || nm == "..") continue;
      d->add(nm);
      if (d->count > NameCache::kMaxNames) return false;
    }
  }
  return true;
}

}  // namespace

struct NameCache::Impl {
  UniqueFd fd;
  bool unavailable = false;       // inotify could not be had: never retried
  std::list<Dir> dirs;            // most recently used first
  size_t total = 0;

  Dir* lookup(uint64_t dev, uint64_t ino) {
    for (auto it = dirs.begin(); it != dirs.end(); ++it)
      if (it->dev == dev && it->ino == ino) {
        dirs.splice(dirs.begin(), dirs, it);
        return &dirs.front();
      }
    return nullptr;
  }
  void drop(std::list<Dir>::iterator it) {
    if (fd && it->wd >= 0) inotify_rm_watch(fd.get(), it->wd);
    total -= it->count;
    dirs.erase(it);
  }
  void drop_all() {
    while (!dirs.empty()) drop(dirs.begin());
  }
  Dir* by_wd(int wd) {
    for (auto& d : dirs)
      if (d.wd == wd) return &d;
    return nullptr;
  }
  // Applies every queued event; false (and everything dropped) on overflow.
  void drain() {
    if (!fd || dirs.empty()) return;
    alignas(struct inotify_event) char buf[16384];
    for (;;) {
      ssize_t n = read(fd.get(), buf, sizeof buf);
      if (n <= 0) return;  // EAGAIN: all taken in
      for (ssize_t off = 0; off + ssize_t(sizeof(struct inotify_event)) <= n;) {
        auto* ev = reinterpret_cast<struct inotify_event*>(buf + off);
        off += ssize_t(sizeof(struct inotify_event) + ev->len);
        if (ev->mask & IN_Q_OVERFLOW) {
          drop_all();
          continue;
        }
        Dir* d = by_wd(ev->wd);
        if (!d) continue;
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
          for (auto it = dirs.begin(); it != dirs.end(); ++it)
            if (&*it == d) {
              drop(it);
              break;
            }
          continue;
        }
        if (!ev->len) continue;
        std::string_view nm(ev->name, strnlen(ev->name, ev->len));
        size_t before = d->count;
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) d->add(nm);
        else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) d->remove(nm);
        total = total - before + d->count;
      }
      if (total > kMaxNames) drop_all();
    }
  }
};

NameCache::NameCache() : impl_(std::make_unique<Impl>()) {}
NameCache::~NameCache() = default;

size_t NameCache::cached_dirs() const { return impl_->dirs.size(); }

NameCache::Answer NameCache::find(int dirfd, std::string_view name, std::string* actual,
                                  bool (*rejected)(std::string_view, const void*), const void* arg) {
  Impl& m = *impl_;
  if (m.dirs.empty()) return Answer::kUnknown;
  struct stat sb;
  if (fstat(dirfd, &sb) != 0) return Answer::kUnknown;
  m.drain();
  Dir* d = m.lookup(uint64_t(sb.st_dev), uint64_t(sb.st_ino));
  if (!d) return Answer::kUnknown;
  auto it = d->names.find(fold_case(name));
  if (it == d->names.end()) return Answer::kMiss;
  for (const std::string& n : it->second)
    if (!rejected || !rejected(n, arg)) {
      *actual = n;
      return Answer::kHit;
    }
  return Answer::kMiss;
}

void NameCache::consider(int dirfd, size_t entries) {
  Impl& m = *impl_;
  if (entries < kMinEntries || entries > kMaxNames || m.unavailable) return;
  struct stat sb;
  if (fstat(dirfd, &sb) != 0 || !S_ISDIR(sb.st_mode)) return;
  if (m.lookup(uint64_t(sb.st_dev), uint64_t(sb.st_ino))) return;
  if (!m.fd) {
    m.fd.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!m.fd) {
      // Instances are counted per uid, shared by every session of the
      // service user: without one, lookups simply scan.
      LOG_D("name cache: inotify_init1: %s", strerror(errno));
      m.unavailable = true;
      return;
    }
  }
  m.drain();
  while (m.dirs.size() >= kMaxDirs || (!m.dirs.empty() && m.total + entries > kMaxNames))
    m.drop(std::prev(m.dirs.end()));
  std::string proc = "/proc/self/fd/" + std::to_string(dirfd);
  int wd = inotify_add_watch(m.fd.get(), proc.c_str(), kMask);
  if (wd < 0) return;  // no watch left: keep scanning
  // The watch is in place before the scan: whatever changes from now on is
  // also queued, and replaying it over the scan's result is idempotent.
  Dir d;
  d.dev = uint64_t(sb.st_dev);
  d.ino = uint64_t(sb.st_ino);
  d.wd = wd;
  if (!scan(dirfd, &d)) {
    inotify_rm_watch(m.fd.get(), wd);
    return;
  }
  m.total += d.count;
  m.dirs.push_front(std::move(d));
}

NameCache& name_cache() {
  static NameCache cache;
  return cache;
}

}  // namespace cifsd::session::vfs
