#pragma once
// The sandbox policies, one function per role. The allowlists are data in
// sandbox_policy.cc; see docs/privsep.md.
#include <string>
#include <vector>

namespace cifsd::sandbox {

struct SessionPolicy {
  std::vector<std::string> share_paths;  // Landlock: the only file-system trees reachable
};

// For smbd-session, called before the client's first byte is read:
// Landlock (share paths only), capabilities reduced to CAP_SETUID+CAP_SETGID
// (effective, for setfsuid/setfsgid/setgroups per request; bounding set
// emptied otherwise), no_new_privs, then the seccomp filter (default kill,
// SECCOMP_RET_KILL_PROCESS; setfsuid/setfsgid with 0 and every setuid-family
// call are killed). Returns false if any step failed (the caller exits).
bool enter_session(const SessionPolicy& policy);

// For smbd-rpc: no file-system access at all, no capabilities.
bool enter_rpc();

// Used by the sandbox test: true if seccomp filtering is available.
bool seccomp_available();

}  // namespace cifsd::sandbox
