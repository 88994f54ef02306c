#pragma once
// Oplocks and leases, the session's side (MS-SMB2 3.3.5.9, 3.3.4.6,
// 3.3.4.7, 3.3.5.22). The master's broker (smbd-master/caching.h) decides;
// this file asks it at CREATE, turns its break notifications into SMB2
// OPLOCK_BREAK notifications, forwards the client's acknowledgments, tells it
// about writes when other opens cache reads, and retries a CREATE that had to
// wait for a break (the CREATE went async with STATUS_PENDING meanwhile).
#include <array>
#include <cstdint>
#include <vector>

#include "common/ipc/master_proto.h"
#include "smbd-session/info/create_parse.h"
#include "smbd-session/request.h"

namespace cifsd::session {

struct CachingGrant {
  uint8_t oplock = 0;          // the OplockLevel of the CREATE response
  bool lease = false;          // answer with a lease context
  uint8_t lease_version = 0;
  uint32_t lease_state = 0, lease_flags = 0, epoch = 0;
  std::array<uint8_t, 16> lease_key{}, parent_key{};
  bool has_parent = false;
};

// Registers the open `so` with the broker together with the oplock or lease
// `cr` asks for. kSuccess: registered, `*g` says what was granted. kPending:
// another open's cache is being broken; the request went async and will be
// retried from scratch when the break resolves (the caller must undo nothing
// but its fd). Anything else: the CREATE fails with it (sharing violation...).
NtStatus caching_open(Request& req, const CreateRequest& cr, const ipc::master::ShareOpen& so,
                      bool is_dir, bool overwrite, CachingGrant* g);

// The data of the RqLs response context for `g` (v1 32 bytes, v2 52 bytes).
std::vector<uint8_t> lease_response_context(const CachingGrant& g);

// WRITE / SET_INFO end of file on `o`: if other opens cache reads, the broker
// breaks them (once; it tells us again when new read caches appear).
// `channel_read`: this request already read the master channel (WRITE's
// lock check does), so notes already sent are in the inbox.
void caching_wrote(Connection& c, const Open& o, bool channel_read = false);
// A rename of `o`: other leases of the file lose handle caching (no wait).
void caching_renamed(Connection& c, const Open& o);
// The open is closing (its broker record goes with ShareClose).
void caching_closed(const Open& o);

// The entries of directory (dev, ino) changed (a name created, deleted or
// renamed, or a modified file closed): other clients' directory leases on it
// break to none; `by`'s parent lease key, if it named one, is spared (the
// client that made the change keeps its cache). Sent only when the server
// grants directory leases ("smb3 directory leases").
void caching_dir_changed(Connection& c, uint64_t dev, uint64_t ino, const Open* by);
// The same for the directory an open was made in (its parent).
void caching_parent_changed(Connection& c, const Open& o);

}  // namespace cifsd::session
