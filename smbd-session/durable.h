#pragma once
// Durable handles v1 and v2, the session's side (MS-SMB2 3.3.5.9.6-3.3.5.9.12;
// docs/state.md). A CREATE that asks for durability (DHnQ / DH2Q) and holds
// a batch oplock or a handle-caching lease gets it: the open is parked in
// the master's broker at once (its state and a duplicate of its fd, one
// message per handle), so it survives the connection AND this process (a
// kill -9 cannot send anything at death). A CREATE with DHnC / DH2C on a new
// connection reclaims it from the broker, for the same user only.
#include <cstdint>
#include <string>
#include <vector>

#include "smbd-session/info/create_parse.h"
#include "smbd-session/oplock.h"
#include "smbd-session/request.h"

namespace cifsd::session {

// Validates the durable create contexts' combinations and sizes
// (STATUS_INVALID_PARAMETER as Windows answers).
NtStatus durable_check_contexts(const Request& req, const CreateRequest& cr);

// DHnC / DH2C: reclaims a parked handle and answers the CREATE (handled
// instead of the normal open path).
NtStatus durable_reconnect(Request& req, const CreateRequest& cr, ByteWriter& out);

struct DurableGrant {
  bool granted = false;
  std::string context;        // response context name
  std::vector<uint8_t> data;  // response context data
};

// After a successful open (share record and oplock/lease granted): grants
// durability when the request and the caching state allow it, parks the
// open in the broker and says which response context to send.
void durable_grant(Request& req, const CreateRequest& cr, Open& o, const CachingGrant& cg,
                   DurableGrant* g);

// The open's state that a reconnect restores changed (FilePositionInformation):
// the broker's copy is updated (nothing for a non-durable open).
void durable_update(Connection& c, const Open& o);

// The session `s` is being replaced by a reconnect (PreviousSessionId,
// MS-SMB2 3.3.5.5.3) while this process lives: its durable opens are not
// closed but wait disconnected in the broker for a reconnect; they leave the
// session's trees here, before the session's normal logoff closes the rest.
void durable_detach_session(Connection& c, Session& s);

// A durable open closes normally (CLOSE, logoff, tree disconnect): the
// broker forgets it. Not called when the connection just drops.
void durable_closed(Connection& c, const Open& o);

}  // namespace cifsd::session
