#include "smbd-session/notify/watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.h"
#include "smbd-session/async.h"
#include "smbd-session/identity.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session::notify {
namespace {

constexpr uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY |
                                IN_ATTRIB | IN_ONLYDIR | IN_EXCL_UNLINK;

std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "/" + b;
}

std::string to_wire(std::string s) {
  for (char& ch : s)
    if (ch == '/') ch = '\\';
  return s;
}

}  // namespace

std::vector<uint8_t> response_body(Bytes list) {
  std::vector<uint8_t> body;
  ByteWriter w(body);
  w.u16(9);
  w.u16(list.empty() ? 0 : 64 + 8);
  w.u32(uint32_t(list.size()));
  if (list.empty()) w.u8(0);
  else w.bytes(list);
  return body;
}

Watcher& watcher_of(Connection& c) {
  if (!c.notify_watcher) c.notify_watcher = std::make_shared<Watcher>(c);
  return *std::static_pointer_cast<Watcher>(c.notify_watcher);
}

bool Watcher::ensure_fd() {
  if (fd_) return true;
  fd_.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd_) {
    LOG_W("inotify_init1: %s", strerror(errno));
    return false;
  }
  if (c_.loop) {
    ev_ = std::make_unique<FdEvent>(*c_.loop, fd_.get(), EV_READ, [this] { on_readable(); });
    ev_->enable();
  }
  // Causality: what a request changed is seen before the next request runs
  // (the loop might otherwise serve the client socket first).
  c_.before_frame = [this] { on_readable(); };
  return true;
}

// Watches one directory, opened beneath the share root without following
// symlinks, so a planted link can never point a watch outside the share.
bool Watcher::add_dir(uint64_t open_volatile, OpenWatch& w, const std::string& rel) {
  UniqueFd dir(vfs::open_beneath(w.tree->root.get(), join(w.path, rel), O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
                                 false));
  if (!dir) return false;
  std::string proc = "/proc/self/fd/" + std::to_string(dir.get());
  int wd = inotify_add_watch(fd_.get(), proc.c_str(), kWatchMask);
  if (wd < 0) {
    LOG_I("inotify_add_watch(%s): %s", join(w.path, rel).c_str(), strerror(errno));
    return false;
  }
  auto& uses = wds_[wd];
  for (const WdUse& u : uses)
    if (u.open_volatile == open_volatile) return true;  // already (hard-linked dirs do not exist; renames do)
  uses.push_back({open_volatile, rel});
  w.wds.push_back(wd);
  return true;
}

// WATCH_TREE: every subdirectory below `rel`, breadth first, bounded.
void Watcher::add_subtree(uint64_t open_volatile, OpenWatch& w, const std::string& rel) {
  std::deque<std::string> todo{rel};
  while (!todo.empty()) {
    std::string cur = std::move(todo.front());
    todo.pop_front();
    UniqueFd fd(vfs::open_beneath(w.tree->root.get(), join(w.path, cur), O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
                                  0, false));
    if (!fd) continue;
    DIR* d = fdopendir(fd.get());
    if (!d) continue;
    fd.release();  // owned by d now
    while (dirent* e = readdir(d)) {
      if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      if (w.dirs >= kMaxTreeDirs) {
        LOG_I("tree watch on %s: more than %zu directories; the rest are not watched", w.path.c_str(),
              kMaxTreeDirs);
        closedir(d);
        return;
      }
      std::string sub = join(cur, e->d_name);
      if (add_dir(open_volatile, w, sub)) {
        w.dirs++;
        todo.push_back(sub);
      }
    }
    closedir(d);
  }
}

NtStatus Watcher::start(Tree& tree, const Open& open, uint64_t session_id, bool tree_watch, uint32_t filter,
                        uint32_t capacity) {
  if (!ensure_fd()) return status::kInsufficientResources;
  uint64_t id = open.id.volatile_;
  OpenWatch& w = opens_[id];
  w.tree = &tree;
  w.path = open.path;
  w.session_id = session_id;
  w.tree_watch = tree_watch;
  w.filter = filter;
  w.buffer.set_capacity(capacity);
  if (!add_dir(id, w, "")) {
    opens_.erase(id);
    return status::kInsufficientResources;
  }
  if (tree_watch) add_subtree(id, w, "");
  return status::kSuccess;
}

bool Watcher::take_now(uint64_t open_volatile, uint32_t max_out, NtStatus* st, std::vector<uint8_t>* out) {
  auto it = opens_.find(open_volatile);
  if (it == opens_.end() || it->second.buffer.empty() || !it->second.waiters.empty()) return false;
  std::vector<uint8_t> list;
  *st = it->second.buffer.take(max_out, &list);
  *out = response_body({list.data(), list.size()});
  return true;
}

void Watcher::add_waiter(uint64_t open_volatile, uint64_t async_id, uint32_t max_out) {
  auto it = opens_.find(open_volatile);
  if (it != opens_.end()) it->second.waiters.push_back({async_id, max_out});
}

void Watcher::remove_waiter(uint64_t async_id) {
  for (auto& [id, w] : opens_)
    for (auto it = w.waiters.begin(); it != w.waiters.end(); ++it)
      if (it->async_id == async_id) {
        w.waiters.erase(it);
        return;
      }
}

void Watcher::drop_wd(int wd, uint64_t open_volatile) {
  auto it = wds_.find(wd);
  if (it == wds_.end()) return;
  auto& uses = it->second;
  for (auto u = uses.begin(); u != uses.end();)
    u = u->open_volatile == open_volatile ? uses.erase(u) : u + 1;
  if (uses.empty()) {
    inotify_rm_watch(fd_.get(), wd);
    wds_.erase(it);
  }
}

void Watcher::forget(uint64_t open_volatile) {
  auto it = opens_.find(open_volatile);
  if (it == opens_.end()) return;
  for (int wd : it->second.wds) drop_wd(wd, open_volatile);
  opens_.erase(it);
}

void Watcher::deliver(uint64_t open_volatile, OpenWatch& w) {
  (void)open_volatile;
  while (!w.waiters.empty() && !w.buffer.empty()) {
    Waiter waiter = w.waiters.front();
    w.waiters.pop_front();
    std::vector<uint8_t> list;
    NtStatus st = w.buffer.take(waiter.max_out, &list);
    std::vector<uint8_t> body = response_body({list.data(), list.size()});
    complete_async(c_, waiter.async_id, st, {body.data(), body.size()}, true);
  }
}

void Watcher::on_readable() {
  alignas(inotify_event) char buf[16384];
  std::map<uint64_t, std::vector<Event>> batches;
  std::vector<std::pair<uint64_t, std::string>> new_dirs;
  bool overflow = false;
  for (int rounds = 0; rounds < 16; rounds++) {
    ssize_t n = read(fd_.get(), buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t off = 0; off + ssize_t(sizeof(inotify_event)) <= n;) {
      auto* ev = reinterpret_cast<inotify_event*>(buf + off);
      off += ssize_t(sizeof(inotify_event)) + ev->len;
      if (off > n) break;
      if (ev->mask & IN_Q_OVERFLOW) {
        overflow = true;
        continue;
      }
      auto it = wds_.find(ev->wd);
      if (it == wds_.end()) continue;
      if (ev->mask & IN_IGNORED) {
        // The directory is gone (or unwatched): forget the watch everywhere.
        for (const WdUse& u : it->second) {
          auto ow = opens_.find(u.open_volatile);
          if (ow == opens_.end()) continue;
          auto& v = ow->second.wds;
          for (auto x = v.begin(); x != v.end();) x = *x == ev->wd ? v.erase(x) : x + 1;
        }
        wds_.erase(it);
        continue;
      }
      std::string leaf = ev->len ? std::string(ev->name) : std::string();
      for (const WdUse& u : it->second) {
        auto ow = opens_.find(u.open_volatile);
        if (ow == opens_.end()) continue;
        if (!u.rel.empty() && !ow->second.tree_watch) continue;
        std::string rel = leaf.empty() ? std::string() : join(u.rel, leaf);
        batches[u.open_volatile].push_back({ev->mask, ev->cookie, to_wire(rel)});
        if (ow->second.tree_watch && (ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
            !rel.empty())
          new_dirs.emplace_back(u.open_volatile, rel);
      }
    }
  }
  // New subdirectories of tree watches are watched as their owner's user.
  for (auto& [id, rel] : new_dirs) {
    auto ow = opens_.find(id);
    if (ow == opens_.end()) continue;
    OpenWatch& w = ow->second;
    auto s = c_.sessions.find(w.session_id);
    if (s == c_.sessions.end() || w.dirs >= kMaxTreeDirs || !become_user(s->second->identity)) continue;
    if (add_dir(id, w, rel)) {
      w.dirs++;
      add_subtree(id, w, rel);
    }
    become_service();
  }
  for (auto& [id, w] : opens_) {
    if (overflow) w.buffer.mark_overflow();
    auto b = batches.find(id);
    if (b != batches.end()) w.buffer.add(translate(b->second, w.filter));
  }
  // Ids first: completing a request must not invalidate this iteration.
  std::vector<uint64_t> ids;
  for (auto& [id, w] : opens_) ids.push_back(id);
  for (uint64_t id : ids) {
    auto ow = opens_.find(id);
    if (ow != opens_.end()) deliver(id, ow->second);
  }
}

}  // namespace cifsd::session::notify
