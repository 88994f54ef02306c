#pragma once
// The session's side of its master channel. Calls are synchronous
// request/answer exchanges (bounded in time), but the master also sends
// notifications on its own: an oplock break for an open of ours, a byte range
// that became free, a session to log off... Notifications are messages of an
// even type >= ipc::master::kFirstNotification with seq 0; they get no answer.
// One that arrives while a call waits for its answer is queued and dispatched
// from the event loop afterwards, in arrival order, so handlers never run
// inside another call.
#include <cstdint>

#include "common/ipc/channel.h"
#include "smbd-session/connection.h"

namespace cifsd::session {

// Registers the handler for one notification type (replacing any earlier).
void master_on(Connection& c, uint16_t type, MasterHandler handler);

// One request/answer on the master channel; the answer's type must be
// type|1. False on a timeout, a closed channel or a contract violation.
// `pass_fd` (>= 0) is passed along with SCM_RIGHTS (multichannel hand-off).
bool master_call(Connection& c, uint16_t type, Bytes payload, ipc::Message* answer, int pass_fd = -1);

// Sends a message that gets no answer (a session's own notification).
bool master_send(Connection& c, uint16_t type, Bytes payload);

// From the event loop when the channel is readable: reads what is there and
// dispatches it. False when the channel closed or broke the contract.
bool master_readable(Connection& c);

// Dispatches the notifications queued during calls.
void master_dispatch(Connection& c);

// Reads the notifications already in the channel into the inbox without
// blocking and without dispatching them, then applies (and removes) those
// of `type` with `apply`; the rest keep their order for the event loop.
// For a request that must see a state change the master sent before it
// (a lock another session took, others starting to cache reads).
void master_apply_pending(Connection& c, uint16_t type, const MasterHandler& apply);
// The same without reading the channel: for a request that already read it
// (master_apply_pending of another type earlier in the same request).
void master_apply_queued(Connection& c, uint16_t type, const MasterHandler& apply);

}  // namespace cifsd::session
