// TREE_CONNECT and TREE_DISCONNECT (MS-SMB2 2.2.9-2.2.12, 3.3.5.7, 3.3.5.8).
#include <fcntl.h>

#include <cerrno>

#include "common/log/log.h"
#include "common/util/utf16.h"
#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

constexpr uint16_t kTreeConnectExtensionPresent = 0x0004;
constexpr size_t kMaxTreesPerSession = 1024;
constexpr uint32_t kReadAccess = smb2::kFileReadData | smb2::kFileReadEa | smb2::kFileExecute |
                                 smb2::kFileReadAttributes | smb2::kReadControl |
                                 smb2::kSynchronize;

// "\\server\share" -> "share"; empty if the path has another shape.
std::string share_from_path(const std::string& path) {
  if (path.size() < 3 || path[0] != '\\' || path[1] != '\\') return {};
  size_t sep = path.find('\\', 2);
  if (sep == std::string::npos || sep == 2) return {};
  std::string share = path.substr(sep + 1);
  if (share.empty() || share.find('\\') != std::string::npos) return {};
  return share;
}

size_t trees_on_share(const Connection& c, const ShareConfig* share) {
  size_t n = 0;
  for (const auto& [sid, s] : c.sessions)
    for (const auto& [tid, t] : s->trees)
      if (t->share == share) n++;
  return n;
}

}  // namespace

NtStatus handle_tree_connect(Request& req, ByteWriter& out) {
  Connection& c = req.conn;
  Session& s = *req.session;
  ByteReader r(req.body);
  r.skip(2);
  uint16_t flags = r.u16();
  uint16_t path_off = r.u16();
  uint16_t path_len = r.u16();
  Bytes raw;
  if (!r.ok() || !ByteReader::range(req.pdu, path_off, path_len, &raw) || path_len % 2)
    return status::kInvalidParameter;
  if ((flags & kTreeConnectExtensionPresent) && c.dialect == kSmb311) {
    // The extension carries the path at an offset relative to itself; the
    // clients we serve do not send it (no remoted identity / redirection).
    return status::kNotSupported;
  }
  std::optional<std::string> path = utf16le_to_utf8(raw);
  if (!path) return status::kInvalidParameter;
  std::string name = share_from_path(*path);
  const ShareConfig* share = name.empty() ? nullptr : c.config.find_share(name);
  if (!share) {
    LOG_I("tree connect to unknown share '%s'", name.c_str());
    return status::kBadNetworkName;
  }

  const ipc::auth::Identity& id = s.identity;
  bool unauth = id.guest || id.anonymous;
  if (!host_allowed(*share, c.client_ip)) return status::kAccessDenied;
  if (share->is_ipc) {
    if (id.anonymous && c.config.global.restrict_anonymous >= 2) return status::kAccessDenied;
  } else {
    if (unauth && !share->guest_ok) return status::kAccessDenied;
    if (!id.anonymous && !id.guest) {
      if (user_in_list(share->invalid_users, id.user, id.group_names)) return status::kAccessDenied;
      if (!share->valid_users.empty() && !user_in_list(share->valid_users, id.user, id.group_names))
        return status::kAccessDenied;
    }
  }
  if (share->max_connections && trees_on_share(c, share) >= share->max_connections)
    return status::kRequestNotAccepted;
  if (s.trees.size() >= kMaxTreesPerSession) return status::kInsufficientResources;

  Tristate enc = share->smb3_encryption.value_or(c.config.global.smb3_encryption);
  bool tree_encrypt = enc == Tristate::kMandatory && !s.encrypt;
  if (tree_encrypt && (c.cipher == 0 || s.encryption_key.empty())) return status::kAccessDenied;

  auto tree = std::make_unique<Tree>();
  tree->encrypt = tree_encrypt;
  tree->share = share;
  tree->is_ipc = share->is_ipc;
  if (!share->is_ipc) {
    bool writable = !share->read_only;
    if (user_in_list(share->read_list, id.user, id.group_names)) writable = false;
    if (user_in_list(share->write_list, id.user, id.group_names)) writable = true;
    tree->writable = writable;
    // Opened as the session's user (the engine switched identity).
    int fd = open(share->path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      LOG_W("share [%s]: cannot open %s: errno %d", share->name.c_str(), share->path.c_str(), err);
      return err == ENOENT || err == ENOTDIR ? status::kBadNetworkName : status::kAccessDenied;
    }
    tree->root.reset(fd);
    tree->maximal_access = writable ? smb2::kFileAllAccess : kReadAccess;
  } else {
    tree->writable = true;
    tree->maximal_access = smb2::kFileAllAccess;
  }
  uint32_t tid;
  do tid = s.next_tree_id++;
  while (tid == 0 || tid == 0xFFFFFFFF || s.trees.count(tid));
  tree->id = tid;

  out.u16(16);
  out.u8(share->is_ipc ? smb2::kShareTypePipe : smb2::kShareTypeDisk);
  out.u8(0);
  out.u32((share->is_ipc ? smb2::kShareFlagNoCaching : 0) |
          (tree_encrypt ? smb2::kShareFlagEncryptData : 0));
  out.u32(0);  // Capabilities: no DFS, continuous availability, scale-out
  out.u32(tree->maximal_access);
  req.tree = tree.get();
  LOG_I("tree %u: [%s]%s", tid, share->name.c_str(), tree->writable ? "" : " read-only");
  s.trees[tid] = std::move(tree);
  return status::kSuccess;
}

NtStatus handle_tree_disconnect(Request& req, ByteWriter& out) {
  Session& s = *req.session;
  Tree& t = *req.tree;
  end_async_for_tree(req.conn, s.id, t.id);
  // Moved out first: close_open may look the open up in the tree or drop it.
  auto opens = std::move(t.opens);
  t.opens.clear();
  for (auto& [vid, open] : opens) close_open(req.conn, t, *open);
  uint32_t tid = t.id;
  req.tree = nullptr;
  s.trees.erase(tid);
  out.u16(4);
  out.u16(0);
  return status::kSuccess;
}

}  // namespace cifsd::session
