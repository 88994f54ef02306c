#pragma once
// Per-request identity: file-system calls of a request run with the fs uid,
// fs gid and supplementary groups of the request's SMB session (see
// docs/privsep.md). The seccomp policy forbids uid/gid 0 for these calls and
// forbids setuid/setresuid entirely, so root stays unreachable.
#include <sys/types.h>

#include "common/ipc/auth_proto.h"

namespace cifsd::session {

// Switches to the identity (cheap when it is already current). Returns false
// if the kernel refused, in which case the request must fail.
bool become_user(const ipc::auth::Identity& id);
// Back to the process's own unprivileged identity between requests.
void become_service();

// Runs fn with the fs uid/gid of a file's owner, then restores the identity
// that was current. For a handle whose access was granted at open (the rights
// travel with the handle, as on Windows) when the request's identity cannot
// do the POSIX step itself, e.g. after re-authentication as another user.
// Refuses owner uid/gid 0 (returns EPERM without calling fn).
int as_file_owner(uid_t uid, gid_t gid, int (*fn)(void*), void* arg);

}  // namespace cifsd::session
