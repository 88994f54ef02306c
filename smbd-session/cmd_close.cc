// SMB2 CLOSE (skeleton; implemented in a following commit).
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_close(Request&, ByteWriter&) { return status::kNotImplemented; }

}  // namespace cifsd::session

namespace cifsd::session {
void close_open(Connection&, Tree&, Open&) {}
}  // namespace cifsd::session
