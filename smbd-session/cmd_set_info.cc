// SMB2 SET_INFO (skeleton; implemented in a following commit).
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_set_info(Request&, ByteWriter&) { return status::kNotImplemented; }

}  // namespace cifsd::session
