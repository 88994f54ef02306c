#include "smbd-auth/unix_identity.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/util/utf16.h"

namespace cifsd::auth {

namespace {

bool lookup_pw(const std::string& name, uid_t* uid, gid_t* gid, std::string* pw_name) {
  long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(sz > 0 ? size_t(sz) : 16384);
  passwd pw{}, *res = nullptr;
  for (;;) {
    int rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res);
    if (rc == ERANGE && buf.size() < (1u << 20)) { buf.resize(buf.size() * 2); continue; }
    if (rc != 0 || !res) return false;
    *uid = pw.pw_uid;
    *gid = pw.pw_gid;
    *pw_name = pw.pw_name;
    return true;
  }
}

std::string group_name(gid_t g) {
  long sz = sysconf(_SC_GETGR_R_SIZE_MAX);
  std::vector<char> buf(sz > 0 ? size_t(sz) : 16384);
  group gr{}, *res = nullptr;
  for (;;) {
    int rc = getgrgid_r(g, &gr, buf.data(), buf.size(), &res);
    if (rc == ERANGE && buf.size() < (1u << 22)) { buf.resize(buf.size() * 2); continue; }
    if (rc != 0 || !res) return std::to_string(g);
    return gr.gr_name;
  }
}

}  // namespace

std::optional<ipc::auth::Identity> unix_identity(const std::string& name, std::string* why) {
  if (name.empty() || name.size() > ipc::auth::kMaxName) {
    *why = "invalid user name";
    return std::nullopt;
  }
  uid_t uid;
  gid_t gid;
  std::string pw_name;
  if (!lookup_pw(name, &uid, &gid, &pw_name) && !lookup_pw(ascii_lower(name), &uid, &gid, &pw_name)) {
    *why = "no Unix user '" + name + "'";
    return std::nullopt;
  }
  // Never vouch for root: a session process must not act as uid/gid 0.
  if (uid == 0 || gid == 0) {
    *why = "Unix user '" + pw_name + "' has uid or gid 0; refused";
    return std::nullopt;
  }
  ipc::auth::Identity id;
  id.user = name;
  id.uid = uid;
  id.gid = gid;
  int n = 64;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  bool got = false;
  for (int tries = 0; tries < 8 && !got; tries++) {
    int want = n;
    if (getgrouplist(pw_name.c_str(), gid, groups.data(), &want) >= 0) {
      n = want;
      got = true;
    } else {
      n = want > n ? want : n * 2;
      groups.resize(size_t(n));
    }
  }
  groups.resize(got ? size_t(n) : 0);
  if (!got) groups.push_back(gid);
  for (gid_t g : groups) {
    // Membership in group 0 is dropped rather than passed on (less privilege,
    // never more); the contract refuses gid 0 anyway.
    if (g == 0) continue;
    if (id.groups.size() >= ipc::auth::kMaxGroups) break;
    bool dup = false;
    for (uint32_t x : id.groups) dup |= x == g;
    if (dup) continue;
    id.groups.push_back(g);
    std::string gn = group_name(g);
    if (gn.size() > ipc::auth::kMaxName) gn = std::to_string(g);
    id.group_names.push_back(std::move(gn));
  }
  return id;
}

std::optional<ipc::auth::Identity> UnixIdentityResolver::user(const std::string& smb_name,
                                                              std::string* why) {
  return unix_identity(smb_name, why);
}

std::optional<ipc::auth::Identity> UnixIdentityResolver::guest(const std::string& guest_account,
                                                               std::string* why) {
  return unix_identity(guest_account, why);
}

}  // namespace cifsd::auth
