// SMB2 FLUSH (skeleton; implemented in a following commit).
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_flush(Request&, ByteWriter&) { return status::kNotImplemented; }

}  // namespace cifsd::session
