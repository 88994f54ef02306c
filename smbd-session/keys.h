#pragma once
// Session key derivation (MS-SMB2 3.3.5.5.3 and 3.2.5.3.1).
#include "smbd-session/connection.h"

namespace cifsd::session {

// Derives signing/encryption/decryption/application keys from
// session.session_key for the connection's dialect (3.1.1 uses the session's
// preauth hash) and records the signing algorithm. False on a crypto failure.
bool derive_session_keys(const Connection& c, Session& s);

}  // namespace cifsd::session
