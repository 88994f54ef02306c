#pragma once
// Delete-on-close with other opens still present (MS-FSA 2.1.5.4, "Server
// Requests Closing an Open"): the file is not removed when the handle that
// carried delete-on-close closes but when the last open of it does; until
// then it is "delete pending": a CREATE of its name (or of one of its
// streams) fails with STATUS_DELETE_PENDING and FileStandardInformation says
// so, while the remaining handles keep working.
//
// Across sessions the broker keeps the file's delete-pending state and says
// which close is the last of the opens it knows (cmd_close.cc); this file
// covers what it does not count: opens of this process without a broker
// record of the file (named streams of it), which keep the name until they
// close, and DELETE_PENDING for stream CREATEs and FileStandardInformation.
#include <cstdint>

#include "smbd-session/connection.h"

namespace cifsd::session {

// `open` is closing (close_open). `unlink` is true when the file must go
// with this close (the broker said it was the last of its opens of a
// delete-pending file, or an open without a broker record had
// delete-on-close). Removes the file now if no other open of this process
// has it, else marks it delete pending; an earlier pending delete is carried
// out by the close of the file's last open here. True if the name was
// removed by this call.
bool delete_on_last_close(Connection& conn, Tree& tree, const Open& open, bool unlink);

// True if (dev, ino) is delete pending.
bool is_delete_pending(const Connection& conn, uint64_t dev, uint64_t ino);

}  // namespace cifsd::session
