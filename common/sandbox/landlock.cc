// Landlock via raw syscalls (glibc has no wrappers). The handled set is every
// file-system right the running kernel's ABI knows, so anything not granted
// by a rule below is denied; the only rules are "everything beneath a share".
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.h"
#include "common/sandbox/sandbox_internal.h"
#include "common/util/unique_fd.h"

namespace cifsd::sandbox::detail {
namespace {

// Rights newer than the oldest header we build against; values are ABI facts.
constexpr uint64_t kFsRefer = 1ULL << 13;     // ABI 2
constexpr uint64_t kFsTruncate = 1ULL << 14;  // ABI 3
constexpr uint64_t kFsIoctlDev = 1ULL << 15;  // ABI 5
constexpr uint64_t kAbi1Rights = (1ULL << 13) - 1;
// Rights that make sense on a non-directory (a rule on a file with any other
// right is EINVAL).
constexpr uint64_t kFileRights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                 LANDLOCK_ACCESS_FS_READ_FILE | kFsTruncate | kFsIoctlDev;

#ifndef LANDLOCK_RULE_PATH_BENEATH
#define LANDLOCK_RULE_PATH_BENEATH 1
#endif

struct RulesetAttr {  // first member of struct landlock_ruleset_attr in every ABI
  uint64_t handled_access_fs;
};

struct __attribute__((packed)) PathBeneath {  // struct landlock_path_beneath_attr
  uint64_t allowed_access;
  int32_t parent_fd;
};

uint64_t rights_for_abi(int abi) {
  uint64_t r = kAbi1Rights;
  if (abi >= 2) r |= kFsRefer;
  if (abi >= 3) r |= kFsTruncate;
  if (abi >= 5) r |= kFsIoctlDev;
  return r;
}

}  // namespace

int landlock_abi() {
  long v = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return v < 0 ? -errno : static_cast<int>(v);
}

bool landlock_restrict(const std::vector<std::string>& paths, bool* enforced) {
  *enforced = false;
  int abi = landlock_abi();
  if (abi <= 0) {
    LOG_W("sandbox: Landlock unavailable (%s); file-system confinement relies on the share "
          "root's openat2(RESOLVE_BENEATH) only", strerror(-abi));
    return true;
  }
  RulesetAttr attr{rights_for_abi(abi)};
  long rfd = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (rfd < 0) {
    LOG_E("sandbox: landlock_create_ruleset: %s", strerror(errno));
    return false;
  }
  UniqueFd ruleset(static_cast<int>(rfd));
  for (const std::string& p : paths) {
    if (p.empty()) continue;  // IPC$ and other path-less shares
    UniqueFd dir(open(p.c_str(), O_PATH | O_CLOEXEC));
    if (!dir) {
      // A missing share cannot be served anyway; do not fail the whole session.
      LOG_W("sandbox: share path %s: %s (not reachable)", p.c_str(), strerror(errno));
      continue;
    }
    struct stat st{};
    if (fstat(dir.get(), &st) != 0) return false;
    PathBeneath pb{};
    pb.allowed_access = attr.handled_access_fs;
    if (!S_ISDIR(st.st_mode)) pb.allowed_access &= kFileRights;
    pb.parent_fd = dir.get();
    if (syscall(SYS_landlock_add_rule, ruleset.get(), LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
      LOG_E("sandbox: landlock_add_rule %s: %s", p.c_str(), strerror(errno));
      return false;
    }
  }
  if (syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0) {
    LOG_E("sandbox: landlock_restrict_self: %s", strerror(errno));
    return false;
  }
  *enforced = true;
  LOG_D("sandbox: Landlock ABI %d enforced, %zu path(s)", abi, paths.size());
  return true;
}

}  // namespace cifsd::sandbox::detail
