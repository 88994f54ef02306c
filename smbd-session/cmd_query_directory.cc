// SMB2 QUERY_DIRECTORY (skeleton; implemented in a following commit).
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_query_directory(Request&, ByteWriter&) { return status::kNotImplemented; }

}  // namespace cifsd::session
