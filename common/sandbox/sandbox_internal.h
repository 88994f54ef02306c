#pragma once
// Internal pieces of the sandbox, shared by sandbox.cc, sandbox_policy.cc and
// landlock.cc (and the sandbox test). Not a contract for other processes.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cifsd::sandbox::detail {

// How a syscall is allowed. Argument checks compare only the low 32 bits
// where the kernel truncates the argument to int/uid_t, so a caller cannot
// slip 0x1'0000'0000 past a "!= 0" test.
enum class Cond : uint8_t {
  kAlways,        // unconditionally allowed
  kArgNonZero32,  // low 32 bits of arg `arg` are not 0 (setfsuid/setfsgid)
  kArgIn32,       // low 32 bits of arg `arg` are one of values[0..nvalues)
  kArgNull,       // arg `arg` is 0 (e.g. prlimit64 without a new limit)
  kArgIsSelf,     // low 32 bits of arg `arg` equal our own pid (tgkill)
};

struct SyscallRule {
  const char* name;
  Cond cond = Cond::kAlways;
  uint8_t arg = 0;
  uint8_t nvalues = 0;
  uint64_t values[4] = {0, 0, 0, 0};
};

struct Policy {
  const char* role;
  std::vector<SyscallRule> allow;
  std::vector<const char*> deny;  // always killed, even in --enable-seccomp-log builds
};

Policy session_policy();
Policy rpc_policy();

// Installs the seccomp filter described by `p`. Requires no_new_privs.
bool install_seccomp(const Policy& p);

// Landlock: returns the ABI version (<= 0: not available).
int landlock_abi();
// Restricts the process to full access beneath `paths` (none: no file-system
// access at all). Requires no_new_privs. Returns false on a hard error; a
// kernel without Landlock yields true with a warning (*enforced = false).
bool landlock_restrict(const std::vector<std::string>& paths, bool* enforced);

}  // namespace cifsd::sandbox::detail
