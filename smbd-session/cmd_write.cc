// SMB2 WRITE (skeleton; implemented in a following commit).
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_write(Request&, ByteWriter&) { return status::kNotImplemented; }

}  // namespace cifsd::session
