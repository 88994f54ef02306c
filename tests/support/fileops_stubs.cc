// Stand-ins for what surrounds smbd-session's protocol engine, for tests and
// fuzzers that drive the engine alone: every file command answers
// NOT_SUPPORTED, the share-mode broker grants everything and identity
// switches succeed, so what is exercised is the engine's own logic.
// (Auth and rpc stand-ins differ per driver and stay with each driver.)
#include "smbd-session/connection.h"
#include "smbd-session/durable.h"
#include "smbd-session/fsctl_file.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/identity.h"

namespace cifsd::session {

NtStatus handle_create(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_close(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_flush(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_read(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_lock(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_change_notify(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_write(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_query_directory(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_query_info(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_set_info(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus handle_oplock_break(Request&, ByteWriter&) { return status::kNotSupported; }
NtStatus file_fsctl(Request&, uint32_t, Open&, Bytes, uint32_t, std::vector<uint8_t>*) {
  return status::kNotSupported;
}
NtStatus copy_chunk(Request&, const Open&, uint64_t, Open&, uint64_t, uint32_t, std::vector<uint8_t>*,
                    bool* source_short) {
  *source_short = false;
  return status::kNotSupported;
}
void close_open(Connection&, Tree& t, Open& o) { t.opens.erase(o.id.volatile_); }
// No durable handles without file commands: nothing to park on logoff.
void durable_detach_session(Connection&, Session&) {}

NtStatus broker_share_open(Connection&, const ipc::master::ShareOpen&) { return status::kSuccess; }
bool broker_share_close(Connection&, uint64_t, bool) { return false; }
NtStatus broker_delete_pending(Connection&, uint64_t, bool) { return status::kSuccess; }
bool become_user(const ipc::auth::Identity&) { return true; }
void become_service() {}

}  // namespace cifsd::session
