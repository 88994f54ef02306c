#pragma once
// Case-insensitive lookups in big directories without a scan per request.
//
// Linux file systems are case-sensitive, so a name that does not exist as
// spelled is looked for by scanning the directory (vfs::resolve_path). Every
// CREATE of a new name is such a miss: filling a directory of n entries cost
// O(n^2). This cache keeps the case-folded names of the few biggest
// directories a session works in, and stays exact without rescans by
// following inotify events for them (its own inotify instance, drained
// synchronously before each answer, so changes by other clients and local
// processes are seen before the next lookup). Anything it cannot vouch for
// (no inotify instance or watch left, event queue overflow, a directory it
// does not hold) is answered kUnknown and the caller scans as before.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cifsd::session::vfs {

class NameCache {
 public:
  enum class Answer { kUnknown, kMiss, kHit };
  // Directories with fewer entries are cheap to scan and never cached.
  static constexpr size_t kMinEntries = 256;
  static constexpr size_t kMaxDirs = 8;
  static constexpr size_t kMaxNames = 200000;  // over all cached directories

  NameCache();
  ~NameCache();
  NameCache(const NameCache&) = delete;
  NameCache& operator=(const NameCache&) = delete;

  // `dirfd` is open on the directory (O_RDONLY). On kHit, *actual is the
  // entry's name on disk; `rejected(name)` lets the caller skip names it
  // must not return (veto files).
  Answer find(int dirfd, std::string_view name, std::string* actual,
              bool (*rejected)(std::string_view name, const void* arg), const void* arg);
  // After a scan of `dirfd` that saw `entries` names and found nothing:
  // starts caching the directory when it is big (watch first, then a scan of
  // its own, so nothing created in between is missed).
  void consider(int dirfd, size_t entries);

  size_t cached_dirs() const;  // for tests

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The session process's cache.
NameCache& name_cache();

}  // namespace cifsd::session::vfs
