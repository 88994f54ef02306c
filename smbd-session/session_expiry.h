#pragma once
// Session expiry and the session-state rules of MS-SMB2 3.3.5.2.9: with
// "session expiry = N" (seconds, 0 = never) a session expires N seconds
// after each successful (re)authentication. An expired session keeps its
// trees and opens, but only LOGOFF, CLOSE and LOCK are processed for it;
// everything else fails with STATUS_NETWORK_SESSION_EXPIRED until the client
// re-authenticates (SESSION_SETUP on the same SessionId), which makes it
// valid again with the same keys.
#include <cstdint>

#include "common/wire/reader.h"
#include "smbd-session/connection.h"

namespace cifsd::session {

// CLOCK_MONOTONIC in milliseconds (tests may replace it).
int64_t session_clock_ms();
void set_session_clock_for_test(int64_t (*clock)());

// Called when an authentication of `s` succeeded: starts its lifetime, which
// ends at "session expiry" or after `lifetime_s` (the Kerberos ticket's
// remaining lifetime smbd-auth reported; 0: unbounded), whichever is earlier.
void session_authenticated(const Connection& c, Session& s, uint32_t lifetime_s = 0);

// Moves a valid session whose lifetime is over to Expired. Returns its state.
Session::State refresh_session_state(Session& s);

// Whether a request is processed for an expired session: LOGOFF, CLOSE, and
// a LOCK whose elements all unlock (taking a new lock is refused as Windows
// does; smbtorture smb2.session.expire2). `body` is the request body.
bool expired_session_may(uint16_t command, Bytes body);

}  // namespace cifsd::session
