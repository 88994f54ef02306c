#pragma once
// The master's side of the durable-handle messages (common/ipc/lock_proto.h,
// DurablePark/Drop/Reclaim): strict decoding, the checks a compromised
// session cannot get around (the parked fd is the file the session's own
// share record names; reclaim by the same user only), and keeping a
// disconnected handle's share record registered under a "parked" owner so
// the file stays protected until the handle is reclaimed or expires.
#include <sys/stat.h>

#include <cstdint>

#include "common/ipc/channel.h"
#include "smbd-master/caching.h"
#include "smbd-master/durable_store.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/share_modes.h"

namespace cifsd::master {

// The share-table owner of disconnected durable handles (open id = the
// handle's persistent id). Real connection ids count up from 1.
constexpr uint64_t kParkedConn = ~0ull;

bool is_durable_frame(uint16_t type);

// A file's device as sessions name it (smbd-session/vfs: statx major << 32 | minor).
uint64_t file_dev(const struct stat& sb);

// CLOCK_MONOTONIC in milliseconds (the clock of the durable timeouts).
int64_t durable_now_ms();

// A park/drop/reclaim from session `conn_id`. For a successful reclaim the
// handle's fd is put in *answer_fd, to be sent with the answer.
// A reclaim also gives the open its oplock or lease back in `caching`.
SessionAction handle_durable_frame(uint64_t conn_id, const ipc::Message& m, ShareModeTable& shares,
                                   DurableStore& store, CachingTable& caching, int64_t now_ms,
                                   UniqueFd* answer_fd);

// Before an open (kCachingOpen / kShareOpen frame) is handled: disconnected
// durable handles of that file whose oplock or lease the open would break
// are closed (nobody is there to acknowledge). Returns how many.
size_t durable_before_open(const ipc::Message& m, ShareModeTable& shares, DurableStore& store);

// The session process ended (call before its share records are dropped):
// its durable handles wait for a reconnect, their share records kept.
size_t durable_on_disconnect(uint64_t conn_id, ShareModeTable& shares, DurableStore& store,
                             int64_t now_ms);

// Closes handles whose durable timeout ran out; returns how many.
size_t durable_expire(ShareModeTable& shares, DurableStore& store, int64_t now_ms);

}  // namespace cifsd::master
