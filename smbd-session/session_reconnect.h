#pragma once
// SESSION_SETUP's PreviousSessionId (MS-SMB2 3.3.5.5.3): after a client
// reconnects and authenticates a new session, its old session is ended if it
// belongs to the same user, in this process or, through the master, in the
// smbd-session of the old connection (ipc::master::kLogoffPreviousNote).
// Only sessions of the same Unix user are ended, and never guest or
// anonymous ones (all guests share one uid); the owner of the old session
// checks that itself, so a session can only end sessions of its own user.
#include <cstdint>

#include "smbd-session/connection.h"

namespace cifsd::session {

// `fresh` has just been authenticated with PreviousSessionId `prev`.
void end_previous_session(Connection& c, const Session& fresh, uint64_t prev);

// Makes this process answer the master's kLogoffSessionNote (idempotent;
// called whenever a session of this connection is authenticated).
void accept_reconnect_notes(Connection& c);

// Whether `old` may be ended for a new session of user `uid`.
bool may_end_for(const Session& old, uint32_t uid);

// Logs a session of this connection off as LOGOFF would (cmd_session_setup.cc).
void logoff_session(Connection& c, uint64_t id);

}  // namespace cifsd::session
