#pragma once
// CHANGE_NOTIFY's source of changes: one inotify instance per session process
// (created on the first watch), a watch per directory (and per subdirectory
// for WATCH_TREE), and per open the change buffer and the requests waiting on
// it. inotify sees changes made by every process — other clients' sessions,
// local programs and this client itself — so no broker state is needed.
//
// Limits: the kernel bounds inotify instances and watches per real uid
// (fs.inotify.max_user_instances / max_user_watches) and every session runs
// as the service user, so those limits are shared by all sessions; a tree
// watch adds at most kMaxTreeDirs subdirectory watches. When a watch cannot
// be added the open's buffer overflows: the client gets STATUS_NOTIFY_ENUM_DIR
// and re-reads the directory, which is what Windows clients do anyway.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/util/unique_fd.h"
#include "smbd-session/connection.h"
#include "smbd-session/event_loop.h"
#include "smbd-session/notify/change_list.h"

namespace cifsd::session::notify {

constexpr size_t kMaxTreeDirs = 4096;

class Watcher {
 public:
  explicit Watcher(Connection& c) : c_(c) {}
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  bool watching(uint64_t open_volatile) const { return opens_.count(open_volatile) != 0; }
  // Starts watching the directory of `open` (its first CHANGE_NOTIFY). Runs
  // as the request's user. The buffer's capacity is `capacity` bytes.
  NtStatus start(Tree& tree, const Open& open, uint64_t session_id, bool tree_watch, uint32_t filter,
                 uint32_t capacity);
  // Something waits: answers now (true, *st and *out set) if changes are
  // buffered, else the caller goes async and registers with add_waiter.
  bool take_now(uint64_t open_volatile, uint32_t max_out, NtStatus* st, std::vector<uint8_t>* out);
  void add_waiter(uint64_t open_volatile, uint64_t async_id, uint32_t max_out);
  void remove_waiter(uint64_t async_id);
  // The open closed: drop its watches and buffer (its waiters were ended).
  void forget(uint64_t open_volatile);

 private:
  struct Waiter {
    uint64_t async_id;
    uint32_t max_out;
  };
  struct OpenWatch {
    Tree* tree = nullptr;
    std::string path;        // the watched directory, share-relative
    uint64_t session_id = 0;
    bool tree_watch = false;
    uint32_t filter = 0;
    ChangeBuffer buffer;
    std::deque<Waiter> waiters;
    std::vector<int> wds;
    size_t dirs = 0;         // subdirectory watches added (tree watches)
  };
  struct WdUse {
    uint64_t open_volatile;
    std::string rel;  // subdirectory relative to the watched one, '/'-separated
  };

  bool ensure_fd();
  bool add_dir(uint64_t open_volatile, OpenWatch& w, const std::string& rel);
  void add_subtree(uint64_t open_volatile, OpenWatch& w, const std::string& rel);
  void on_readable();
  void deliver(uint64_t open_volatile, OpenWatch& w);
  void drop_wd(int wd, uint64_t open_volatile);

  Connection& c_;
  UniqueFd fd_;
  std::unique_ptr<FdEvent> ev_;
  std::map<uint64_t, OpenWatch> opens_;
  std::map<int, std::vector<WdUse>> wds_;
};

// The CHANGE_NOTIFY response body (MS-SMB2 2.2.36) around an encoded list.
std::vector<uint8_t> response_body(Bytes list);

// The connection's watcher, created on first use.
Watcher& watcher_of(Connection& c);

}  // namespace cifsd::session::notify
