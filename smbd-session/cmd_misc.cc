// ECHO, CANCEL and the commands not implemented yet (MS-SMB2 3.3.5.10,
// 3.3.5.14, 3.3.5.16, 3.3.5.19, 3.3.5.22). The latter answer an honest
// STATUS_NOT_SUPPORTED instead of claiming a success they did not achieve.
#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_echo(Request&, ByteWriter& out) {
  out.u16(4);
  out.u16(0);
  return status::kSuccess;
}

// Never reached with a response: the engine drops CANCEL, since no request
// is ever pending.
NtStatus handle_cancel(Request&, ByteWriter&) { return status::kSuccess; }

// handle_oplock_break: oplock.cc (acknowledgments go to the master's broker).

}  // namespace cifsd::session
