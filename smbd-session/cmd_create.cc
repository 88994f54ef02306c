// SMB2 CREATE (skeleton; implemented in a following commit).
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_create(Request&, ByteWriter&) { return status::kNotImplemented; }

}  // namespace cifsd::session
