#pragma once
// The session's side of byte-range locks (docs/state.md "Byte-range locks"):
// the lock table lives in the master's broker; this file keeps what the
// session needs so that READ and WRITE cost no round trip on files nobody
// has locked: the set of files (dev, ino) the broker said have locks, kept
// current by the broker's LockState notifications. Only READ/WRITE on such a
// file asks the broker (LockCheck).
#include <cstdint>

#include "smbd-session/connection.h"

namespace cifsd::session {

// Registers the lock notification handlers on the master channel.
void lock_client_attach(Connection& c);

// MS-FSA 2.1.4.10 for READ (write=false) or WRITE of [offset, offset+length)
// on `open`: kSuccess or kFileLockConflict.
NtStatus lock_check_io(Connection& c, const Open& open, uint64_t offset, uint64_t length, bool write);

// `open` is closing: forget its file's lock state if no other open of ours
// has that file (the broker forgets us too).
void lock_client_forget(Connection& c, const Open& open);

// Blocking LOCK requests waiting in the broker, by AsyncId: called with the
// broker's final status when it grants (or fails) them.
void lock_wait_register(Connection& c, uint64_t async_id, std::function<void(NtStatus)> done);
bool lock_wait_take(Connection& c, uint64_t async_id);

}  // namespace cifsd::session
