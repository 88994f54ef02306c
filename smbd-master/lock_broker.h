#pragma once
// The master's side of the byte-range lock messages (common/ipc/lock_proto.h):
// decodes them strictly, applies them to the ByteLockTable for opens the
// session registered itself (ShareOpen), and produces the notifications that
// follow: grants to waiting sessions, and "this file has locks / has none"
// to every session with an open of the file, which lets sessions skip the
// broker on READ/WRITE of files nobody locked. Pure: no sockets.
#include <vector>

#include "common/ipc/channel.h"
#include "smbd-master/byte_locks.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/share_modes.h"

namespace cifsd::master {

bool is_lock_frame(uint16_t type);

// A lock request/cancel/check from session `conn_id`.
SessionAction handle_lock_frame(uint64_t conn_id, const ipc::Message& m, ShareModeTable& shares,
                                ByteLockTable& locks);

// Hooks around every other frame of a session (sessions.cc), so that the
// open and close paths need not know about locks: before a ShareClose the
// open's locks and waiters go; after a frame that registered an open, the
// opener learns whether that file has locks.
void locks_before_frame(uint64_t conn_id, const ipc::Message& m, ShareModeTable& shares,
                        ByteLockTable& locks, std::vector<Notify>* notes);
void locks_after_frame(uint64_t conn_id, size_t opens_before, ShareModeTable& shares,
                       ByteLockTable& locks, std::vector<Notify>* notes);

// A session process ended: `ByteLockTable::drop_connection` ran (before its
// share records were dropped); this wakes the waiters it freed and tells the
// remaining openers of those files.
void locks_after_drop(const std::vector<LockGrant>& grants, const std::vector<LockFileKey>& files,
                      ShareModeTable& shares, ByteLockTable& locks, std::vector<Notify>* notes);

}  // namespace cifsd::master
