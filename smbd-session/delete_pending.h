#pragma once
// Delete-on-close with other opens still present (MS-FSA 2.1.5.4, "Server
// Requests Closing an Open"): the file is not removed when the handle that
// carried delete-on-close closes but when the last open of it does; until
// then it is "delete pending": a CREATE of its name (or of one of its
// streams) fails with STATUS_DELETE_PENDING and FileStandardInformation says
// so, while the remaining handles keep working.
//
// Scope: the opens of this session process (every session and tree of the
// connection). Opens that other clients hold are not seen here; for them the
// file goes when this process's last open closes, as before.
#include <cstdint>

#include "smbd-session/connection.h"

namespace cifsd::session {

// `open` is closing (close_open). `unlink` is true when this close itself
// asks for the file's removal (the open's delete-on-close, not a stream's).
// Removes the file now if no other open of this process has it, else marks
// it delete pending; an earlier pending delete is carried out by the close
// of the file's last open.
void delete_on_last_close(Connection& conn, Tree& tree, const Open& open, bool unlink);

// True if (dev, ino) is delete pending.
bool is_delete_pending(const Connection& conn, uint64_t dev, uint64_t ino);

}  // namespace cifsd::session
