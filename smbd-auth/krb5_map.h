#pragma once
// Kerberos principal -> local account (docs/kerberos.md). The rule:
//   * the principal must be "name@REALM" with REALM equal to the configured
//     `realm` (compared ignoring ASCII case, as realms are conventionally
//     upper case and smb.conf users write either);
//   * "name" must be a plain user principal: no '/' (service and host
//     principals such as host/x or cifs/x never log on as users), no '@',
//     no control characters, not empty;
//   * the account is the cifsdpwd.db entry of that name if one exists (its
//     stored spelling), else the name itself; it must resolve to a Unix user
//     (same resolver as NTLM logons: uid/gid/groups, never uid or gid 0).
#include <optional>
#include <string>

#include "common/ipc/auth_proto.h"
#include "smbd-auth/auth_env.h"

namespace cifsd::auth {

// Splits and checks the principal; returns the account name or nullopt
// (*why says why).
std::optional<std::string> principal_account(const std::string& principal, const std::string& realm,
                                             std::string* why);

// The full mapping: principal_account, then the passdb spelling, then the
// Unix identity. identity.domain is set to the workgroup.
std::optional<ipc::auth::Identity> map_principal(const std::string& principal, const AuthEnv& env,
                                                 std::string* why);

}  // namespace cifsd::auth
