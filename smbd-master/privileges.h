#pragma once
// The master's privilege drop. As root it binds the listeners, then becomes
// the service user keeping CAP_SETUID, CAP_SETGID and CAP_DAC_READ_SEARCH in
// its permitted and inheritable sets only (never effective): it does not use
// them itself, it hands them to children as ambient capabilities at exec
// (spawn.cc): smbd-session gets SETUID+SETGID, smbd-auth DAC_READ_SEARCH,
// smbd-rpc nothing. The bounding set is cleared down to those three.
#include <sys/types.h>

#include <string>

namespace cifsd::master {

struct ServiceUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

bool lookup_service_user(const std::string& name, ServiceUser* out);

// True if we run as root and so must (and can) drop.
bool privileged();

// Switches to `u` as described above. Refuses uid 0 as a service user.
bool drop_privileges(const ServiceUser& u);

// True if the process may give `cap` to a child (it is in our permitted and
// inheritable sets).
bool can_hand_out(int cap);

}  // namespace cifsd::master
