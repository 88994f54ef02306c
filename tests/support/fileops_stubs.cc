// Stand-ins for smbd-session's file-system handlers, for tests and fuzzers
// that drive the protocol engine alone: every file command answers
// NOT_SUPPORTED, so what is exercised is the engine's own logic.
#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"

namespace cifsd::session {

NtStatus handle_create(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_close(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_flush(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_read(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_write(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_query_directory(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_query_info(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_set_info(Request&, ByteWriter&) { return status::kNotSupported; }
void close_open(Connection&, Tree& t, Open& o) { t.opens.erase(o.id.volatile_); }

}  // namespace cifsd::session
