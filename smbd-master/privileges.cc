#include "smbd-master/privileges.h"

#include <cap-ng.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/log/log.h"

namespace cifsd::master {

bool lookup_service_user(const std::string& name, ServiceUser* out) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* res = nullptr;
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || !res) return false;
  out->name = name;
  out->uid = pw.pw_uid;
  out->gid = pw.pw_gid;
  return true;
}

bool privileged() { return geteuid() == 0; }

bool drop_privileges(const ServiceUser& u) {
  if (u.uid == 0) {
    LOG_E("service user %s is uid 0; refusing to run the suite as root", u.name.c_str());
    return false;
  }
  const int keep[] = {CAP_SETUID, CAP_SETGID, CAP_DAC_READ_SEARCH};
  // Bounding set first, while we are still root with CAP_SETPCAP.
  capng_get_caps_process();
  capng_clear(CAPNG_SELECT_BOUNDS);
  for (int cap : keep) capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, cap);
  if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) {
    LOG_E("narrowing the capability bounding set failed");
    return false;
  }
  // capng_change_id drops CAP_SETUID/CAP_SETGID afterwards unless they are
  // in the effective set it is asked to keep, so keep them effective through
  // the switch and lower the effective set to nothing right after.
  capng_clear(CAPNG_SELECT_CAPS);
  for (int cap : keep)
    capng_update(CAPNG_ADD,
                 static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE), cap);
  int rc = capng_change_id(static_cast<int>(u.uid), static_cast<int>(u.gid), CAPNG_DROP_SUPP_GRP);
  if (rc != 0) {
    LOG_E("dropping privileges to %s failed (capng_change_id %d)", u.name.c_str(), rc);
    return false;
  }
  capng_get_caps_process();
  for (int cap : keep) capng_update(CAPNG_DROP, CAPNG_EFFECTIVE, cap);
  if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
    LOG_E("clearing the effective capabilities failed");
    return false;
  }
  uid_t r, e, s;
  getresuid(&r, &e, &s);
  if (r == 0 || e == 0 || s == 0) {
    LOG_E("privilege drop left a root uid");
    return false;
  }
  LOG_I("running as %s (uid %u gid %u), capabilities kept for children only", u.name.c_str(),
        unsigned(u.uid), unsigned(u.gid));
  return true;
}

bool can_hand_out(int cap) {
  capng_get_caps_process();
  return capng_have_capability(CAPNG_PERMITTED, cap) &&
         capng_have_capability(CAPNG_INHERITABLE, cap);
}

}  // namespace cifsd::master
