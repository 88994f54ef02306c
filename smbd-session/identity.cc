#include "smbd-session/identity.h"

#include <grp.h>
#include <cerrno>
#include <sys/fsuid.h>
#include <unistd.h>

#include <vector>

#include "common/log/log.h"

namespace cifsd::session {
namespace {

// What the kernel currently has, so that repeated requests of one user cost
// no system calls. Unknown (forces a switch) until the first call.
struct Current {
  bool known = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};
Current g_cur;

bool set_ids(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
  if (g_cur.known && g_cur.uid == uid && g_cur.gid == gid && g_cur.groups == groups) return true;
  g_cur.known = false;
  if (setgroups(groups.size(), groups.empty() ? nullptr : groups.data()) != 0) {
    LOG_E("setgroups failed");
    return false;
  }
  setfsgid(gid);
  setfsuid(uid);
  // setfsuid/setfsgid report the previous value, never an error: ask again
  // with an invalid id to read back what is in effect.
  if (uid_t(setfsuid(uid_t(-1))) != uid || gid_t(setfsgid(gid_t(-1))) != gid) {
    LOG_E("setfsuid/setfsgid to %u/%u did not take effect", unsigned(uid), unsigned(gid));
    return false;
  }
  g_cur = {true, uid, gid, groups};
  return true;
}

}  // namespace

bool become_user(const ipc::auth::Identity& id) {
  // uid/gid 0 never come from smbd-auth; refuse them here too (and seccomp
  // would kill the process for trying).
  if (id.uid == 0 || id.gid == 0) return false;
  std::vector<gid_t> groups;
  for (uint32_t g : id.groups)
    if (g != 0) groups.push_back(g);  // membership in group 0 is never honoured
  return set_ids(id.uid, id.gid, groups);
}

int as_file_owner(uid_t uid, gid_t gid, int (*fn)(void*), void* arg) {
  if (uid == 0 || gid == 0) return EPERM;
  Current saved = g_cur;
  if (!saved.known || !set_ids(uid, gid, {})) return EPERM;
  int r = fn(arg);
  if (!set_ids(saved.uid, saved.gid, saved.groups)) LOG_E("could not restore the request identity");
  return r;
}

void become_service() {
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (uid == 0 || gid == 0) return;  // not sandboxed (tests): nothing to restore safely
  set_ids(uid, gid, {});
}

}  // namespace cifsd::session
