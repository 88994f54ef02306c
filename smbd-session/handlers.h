#pragma once
// One handler per SMB2 command, each in its own cmd_<name>.cc file.
#include "smbd-session/request.h"

namespace cifsd::session {

// Engine-side commands (connection, session, tree, transport)
NtStatus handle_negotiate(Request& req, ByteWriter& out);
NtStatus handle_session_setup(Request& req, ByteWriter& out);
NtStatus handle_logoff(Request& req, ByteWriter& out);
NtStatus handle_tree_connect(Request& req, ByteWriter& out);
NtStatus handle_tree_disconnect(Request& req, ByteWriter& out);
NtStatus handle_echo(Request& req, ByteWriter& out);
NtStatus handle_ioctl(Request& req, ByteWriter& out);
NtStatus handle_cancel(Request& req, ByteWriter& out);
NtStatus handle_lock(Request& req, ByteWriter& out);
NtStatus handle_change_notify(Request& req, ByteWriter& out);
NtStatus handle_oplock_break(Request& req, ByteWriter& out);

// File-system commands
NtStatus handle_create(Request& req, ByteWriter& out);
NtStatus handle_close(Request& req, ByteWriter& out);
NtStatus handle_flush(Request& req, ByteWriter& out);
NtStatus handle_read(Request& req, ByteWriter& out);
NtStatus handle_write(Request& req, ByteWriter& out);
NtStatus handle_query_directory(Request& req, ByteWriter& out);
NtStatus handle_query_info(Request& req, ByteWriter& out);
NtStatus handle_set_info(Request& req, ByteWriter& out);

// Releases everything an open holds (fd, share-mode record, rpc handle,
// delete-on-close). Used by CLOSE and by tree disconnect / logoff / teardown.
void close_open(Connection& conn, Tree& tree, Open& open);

}  // namespace cifsd::session
