#include "smbd-session/vfs/write_time.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>
#include <set>
#include <unordered_map>

namespace cifsd::session::vfs::wtime {
namespace {

constexpr int64_t kDelayNs = 2'000'000'000;  // the delayed update, as Windows 2008-2016
constexpr size_t kMaxChangeOverrides = 4096;

struct Key {
  uint64_t dev, ino;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  size_t operator()(const Key& k) const { return std::hash<uint64_t>()(k.ino * 31 + k.dev); }
};

struct Entry {
  std::set<uint64_t> handles;  // handles that wrote or set times here
  bool pending = false;        // a delayed update is scheduled
  int64_t deadline = 0;        // monotonic ns
  bool applied = false;        // the delayed update already happened
  bool dirty = false;          // writes since; the close of the last handle updates
  bool sticky = false;         // explicit or frozen write time
  bool has_override = false;   // report override instead of the inode's mtime
  uint64_t override_ft = 0;
};

struct ChangeOverride {
  uint64_t change_ft;  // what the client set
  uint64_t ctime_ft;   // the inode's ctime right after; any change moves it
};

std::unordered_map<Key, Entry, KeyHash>& entries() {
  static std::unordered_map<Key, Entry, KeyHash> m;
  return m;
}
std::unordered_map<Key, ChangeOverride, KeyHash>& changes() {
  static std::unordered_map<Key, ChangeOverride, KeyHash> m;
  return m;
}

int64_t (*g_clock)() = nullptr;
int64_t mono_now() {
  if (g_clock) return g_clock();
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool kernel_times(int fd, uint64_t* mtime, uint64_t* ctime) {
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_MTIME | STATX_CTIME, &sx) != 0) return false;
  if (mtime) *mtime = unix_to_filetime(sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec);
  if (ctime) *ctime = unix_to_filetime(sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec);
  return true;
}

void set_mtime_now(int fd) {
  // The precise clock, not UTIME_NOW: the kernel's coarse clock may lag
  // the moment a client sent its request by a tick.
  struct timespec ts[2];
  ts[0].tv_nsec = UTIME_OMIT;
  clock_gettime(CLOCK_REALTIME, &ts[1]);
  (void)utimensat(fd, "", ts, AT_EMPTY_PATH);
}

void set_mtime(int fd, uint64_t ft) {
  struct timespec ts[2];
  ts[0].tv_nsec = UTIME_OMIT;
  if (!filetime_to_timespec(ft, &ts[1])) return;
  (void)utimensat(fd, "", ts, AT_EMPTY_PATH);
}

// A pending update whose time has come becomes the inode's own mtime
// (that of the last write).
void resolve(Entry& e) {
  if (e.pending && mono_now() >= e.deadline) {
    e.pending = false;
    e.applied = true;
    e.has_override = false;
  }
}

}  // namespace

void before_write(uint64_t h, int fd, uint64_t dev, uint64_t ino) {
  Entry& e = entries()[Key{dev, ino}];
  e.handles.insert(h);
  resolve(e);
  if (e.sticky) {
    e.dirty = true;  // the close puts the sticky value back
    return;
  }
  if (e.pending) return;
  if (!e.has_override) {
    uint64_t m = 0;
    if (kernel_times(fd, &m, nullptr)) {
      e.override_ft = m;
      e.has_override = true;
    }
  }
  if (!e.applied) {
    e.pending = true;
    e.deadline = mono_now() + kDelayNs;
  } else {
    e.dirty = true;
  }
}

void flush_pending(uint64_t h, int fd, uint64_t dev, uint64_t ino) {
  auto it = entries().find(Key{dev, ino});
  if (it == entries().end()) return;
  Entry& e = it->second;
  e.handles.insert(h);
  if (e.sticky) return;
  if (e.pending || e.dirty || e.has_override) set_mtime_now(fd);
  e.pending = false;
  e.dirty = false;
  e.has_override = false;
  e.applied = true;
}

void after_set_basic(uint64_t h, int fd, uint64_t dev, uint64_t ino, uint64_t write_ft, uint64_t change_ft) {
  const Key k{dev, ino};
  if (write_ft == kFreeze) {
    Entry& e = entries()[k];
    e.handles.insert(h);
    resolve(e);
    if (!e.has_override) {
      uint64_t m = 0;
      if (kernel_times(fd, &m, nullptr)) {
        e.override_ft = m;
        e.has_override = true;
      }
    }
    e.sticky = true;
    e.pending = false;
  } else if (write_ft == kThaw) {
    auto it = entries().find(k);
    if (it != entries().end() && it->second.sticky) {
      it->second.sticky = false;
      it->second.dirty = false;
    }
  } else if (write_ft != 0) {
    Entry& e = entries()[k];
    e.handles.insert(h);
    e.sticky = true;
    e.has_override = true;
    e.override_ft = write_ft;
    e.pending = false;
    e.dirty = false;
  }
  if (change_ft != 0 && change_ft != kFreeze && change_ft != kThaw) {
    uint64_t c = 0;
    if (kernel_times(fd, nullptr, &c)) {
      auto& m = changes();
      if (m.size() >= kMaxChangeOverrides) m.erase(m.begin());
      m[k] = ChangeOverride{change_ft, c};
    }
  }
}

void on_close(uint64_t h, int fd, uint64_t dev, uint64_t ino) {
  auto it = entries().find(Key{dev, ino});
  if (it == entries().end()) return;
  Entry& e = it->second;
  if (!e.handles.erase(h)) return;  // this handle never touched the state
  resolve(e);
  if (!e.handles.empty()) return;
  // The last handle that wrote or set times: make the inode tell the truth.
  if (e.sticky) {
    uint64_t m = 0;
    if (e.has_override && kernel_times(fd, &m, nullptr) && m != e.override_ft) set_mtime(fd, e.override_ft);
  } else if (e.pending || e.dirty) {
    set_mtime_now(fd);
  }
  entries().erase(it);
}

void apply(FileStat* st) {
  if (!entries().empty()) {
    auto it = entries().find(Key{st->dev, st->ino});
    if (it != entries().end()) {
      resolve(it->second);
      if (it->second.has_override) st->last_write = it->second.override_ft;
    }
  }
  if (!changes().empty()) {
    auto it = changes().find(Key{st->dev, st->ino});
    if (it != changes().end()) {
      if (it->second.ctime_ft == st->change) st->change = it->second.change_ft;
      else changes().erase(it);  // the inode changed since: its ctime counts again
    }
  }
}

void set_monotonic_clock_for_test(int64_t (*now)()) { g_clock = now; }

size_t tracked_count() { return entries().size(); }

}  // namespace cifsd::session::vfs::wtime
