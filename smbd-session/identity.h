#pragma once
// Per-request identity: file-system calls of a request run with the fs uid,
// fs gid and supplementary groups of the request's SMB session (see
// docs/privsep.md). The seccomp policy forbids uid/gid 0 for these calls and
// forbids setuid/setresuid entirely, so root stays unreachable.
#include "common/ipc/auth_proto.h"

namespace cifsd::session {

// Switches to the identity (cheap when it is already current). Returns false
// if the kernel refused, in which case the request must fail.
bool become_user(const ipc::auth::Identity& id);
// Back to the process's own unprivileged identity between requests.
void become_service();

}  // namespace cifsd::session
