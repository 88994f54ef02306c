// The per-role sandboxes: Landlock, then capabilities, then no_new_privs,
// then seccomp. Order matters: Landlock rules need open() of the share paths
// (forbidden later only by Landlock itself), capability changes need capset
// (killed by the filter), and both Landlock and an unprivileged seccomp
// filter need no_new_privs.
#include "common/sandbox/sandbox.h"

#include <cap-ng.h>
#include <linux/capability.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstring>

#include "config.h"
#include "common/log/log.h"
#include "common/sandbox/sandbox_internal.h"

#ifdef CIFSD_SANITIZERS
// Sanitizer builds: every program that enters a sandbox links this object.
// Inside the sandbox LeakSanitizer's exit-time check (clone + ptrace +
// /proc/self/task) and the external symbolizer (fork + execve) are forbidden
// and would turn every exit or report into SIGSYS, hiding the real report.
// So these processes skip the leak check and print unsymbolized frames
// (module+offset, symbolize offline). The same code is leak-checked in the
// unit tests and fuzzers, which do not sandbox. ASAN_OPTIONS still overrides.
extern "C" __attribute__((used, visibility("default"))) const char* __asan_default_options() {
  return "detect_leaks=0:symbolize=0";
}
#endif

namespace cifsd::sandbox {
namespace {

// Keeps exactly `keep` (may be empty) in effective+permitted, empties the
// inheritable and ambient sets, and the bounding set except `keep` when we
// are allowed to (CAP_SETPCAP; as the service user the master already
// narrowed it before exec, and no_new_privs + no execve make it moot).
bool reduce_caps(std::initializer_list<int> keep) {
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    LOG_E("sandbox: clearing ambient capabilities: %s", strerror(errno));
    return false;
  }
  capng_get_caps_process();
  bool can_bound = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
  if (can_bound) {
    capng_clear(CAPNG_SELECT_BOUNDS);
    for (int c : keep) capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, c);
    if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) {
      LOG_E("sandbox: narrowing the bounding set failed");
      return false;
    }
  }
  capng_get_caps_process();
  // Only keep what we actually hold: asking for more would fail.
  bool have[64] = {};
  for (int c : keep) have[c] = capng_have_capability(CAPNG_PERMITTED, c);
  capng_clear(CAPNG_SELECT_CAPS);
  for (int c : keep)
    if (have[c]) capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED), c);
  if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
    LOG_E("sandbox: reducing capabilities failed");
    return false;
  }
  return true;
}

bool no_new_privs() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    LOG_E("sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
    return false;
  }
  return true;
}

bool enter(const std::vector<std::string>& paths, std::initializer_list<int> caps,
           const detail::Policy& policy) {
  if (!reduce_caps(caps)) return false;
  if (!no_new_privs()) return false;
  bool landlocked = false;
  if (!detail::landlock_restrict(paths, &landlocked)) return false;
  if (!detail::install_seccomp(policy)) return false;
  return true;
}

}  // namespace

bool enter_session(const SessionPolicy& policy) {
  return enter(policy.share_paths, {CAP_SETUID, CAP_SETGID}, detail::session_policy());
}

bool enter_rpc() { return enter({}, {}, detail::rpc_policy()); }

bool seccomp_available() {
  // PR_GET_SECCOMP fails with EINVAL on a kernel built without seccomp.
  return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
}

}  // namespace cifsd::sandbox
