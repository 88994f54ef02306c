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
  capng_clear(CAPNG_SELECT_BOTH);
  for (int cap : {CAP_SETUID, CAP_SETGID, CAP_DAC_READ_SEARCH}) {
    capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_PERMITTED | CAPNG_INHERITABLE), cap);
    capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, cap);
  }
  // setgroups([]), setresgid, setresuid with PR_SET_KEEPCAPS, then the sets
  // above; CLEAR_BOUNDING narrows the bounding set while still root.
  int rc = capng_change_id(static_cast<int>(u.uid), static_cast<int>(u.gid),
                           static_cast<capng_flags_t>(CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING));
  if (rc != 0) {
    LOG_E("dropping privileges to %s failed (capng_change_id %d)", u.name.c_str(), rc);
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
