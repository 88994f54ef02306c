#include "smbd-session/delete_pending.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/log/log.h"
#include "smbd-session/vfs/path.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session {
namespace {

// Unlinks the name relative to its parent (resolved beneath the tree root
// again), but only if the name still refers to the open's inode.
bool remove_now(Tree& tree, const Open& open) {
  if (open.path.empty() || !tree.share) return false;  // never the share root
  std::string_view parent_path, leaf;
  vfs::split_parent(open.path, &parent_path, &leaf);
  UniqueFd parent(vfs::open_beneath(tree.root.get(), parent_path, O_PATH | O_DIRECTORY, 0,
                                    tree.share->follow_symlinks));
  if (!parent) {
    LOG_W("delete on close: parent of %s: %s", open.path.c_str(), strerror(errno));
    return false;
  }
  std::string name(leaf);
  struct stat sb;
  // (Open::dev is statx's major << 32 | minor, not st_dev: the inode says it.)
  if (fstatat(parent.get(), name.c_str(), &sb, AT_SYMLINK_NOFOLLOW) != 0 || sb.st_ino != open.ino)
    return false;  // renamed or replaced meanwhile: nothing of ours to delete
  if (unlinkat(parent.get(), name.c_str(), S_ISDIR(sb.st_mode) ? AT_REMOVEDIR : 0) != 0) {
    LOG_I("delete on close of %s failed: %s", open.path.c_str(), strerror(errno));
    return false;
  }
  return true;
}

bool others_hold(const Connection& conn, const Open& open) {
  for (const auto& [sid, s] : conn.sessions)
    for (const auto& [tid, t] : s->trees)
      for (const auto& [vid, o] : t->opens)
        if (o.get() != &open && !o->is_pipe && o->dev == open.dev && o->ino == open.ino) return true;
  return false;
}

}  // namespace

bool delete_on_last_close(Connection& conn, Tree& tree, const Open& open, bool unlink) {
  if (open.is_pipe) return false;
  const std::pair<uint64_t, uint64_t> key{open.dev, open.ino};
  if (!unlink && !conn.delete_pending.count(key)) return false;
  if (others_hold(conn, open)) {
    conn.delete_pending.insert(key);
    return false;
  }
  conn.delete_pending.erase(key);
  // The closing open names the file (a stream open names its base file);
  // remove_now checks that the name still is this inode.
  return remove_now(tree, open);
}

bool is_delete_pending(const Connection& conn, uint64_t dev, uint64_t ino) {
  return conn.delete_pending.count({dev, ino}) != 0;
}

}  // namespace cifsd::session
