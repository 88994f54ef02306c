// SMB2 READ (skeleton; implemented in a following commit).
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_read(Request&, ByteWriter&) { return status::kNotImplemented; }

}  // namespace cifsd::session
