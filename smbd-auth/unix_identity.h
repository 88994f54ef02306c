#pragma once
// Maps SMB accounts to Unix accounts with the system's user and group
// databases (getpwnam_r, getgrouplist, getgrgid_r).
#include "smbd-auth/auth_env.h"

namespace cifsd::auth {

class UnixIdentityResolver : public IdentityResolver {
 public:
  std::optional<ipc::auth::Identity> user(const std::string& smb_name, std::string* why) override;
  std::optional<ipc::auth::Identity> guest(const std::string& guest_account,
                                           std::string* why) override;
};

// Shared by both: resolves one Unix user name (as given, then lower-cased).
std::optional<ipc::auth::Identity> unix_identity(const std::string& name, std::string* why);

}  // namespace cifsd::auth
