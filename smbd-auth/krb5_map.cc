#include "smbd-auth/krb5_map.h"

#include "common/util/utf16.h"

namespace cifsd::auth {

std::optional<std::string> principal_account(const std::string& principal, const std::string& realm,
                                             std::string* why) {
  size_t at = principal.rfind('@');
  if (at == std::string::npos) {
    *why = "principal '" + principal + "' has no realm";
    return std::nullopt;
  }
  std::string name = principal.substr(0, at), prealm = principal.substr(at + 1);
  if (realm.empty() || ascii_upper(prealm) != ascii_upper(realm)) {
    *why = "principal '" + principal + "' is not of realm '" + realm + "'";
    return std::nullopt;
  }
  if (name.empty() || name.size() > ipc::auth::kMaxName) {
    *why = "principal '" + principal + "' has an empty or too long name";
    return std::nullopt;
  }
  for (unsigned char ch : name) {
    if (ch == '/' || ch == '@' || ch == '\\' || ch < 0x20 || ch == 0x7f) {
      *why = "principal '" + principal + "' is not a plain user principal";
      return std::nullopt;
    }
  }
  return name;
}

std::optional<ipc::auth::Identity> map_principal(const std::string& principal, const AuthEnv& env,
                                                 std::string* why) {
  auto name = principal_account(principal, env.settings.realm, why);
  if (!name) return std::nullopt;
  std::string account = *name;
  if (const PassdbEntry* e = env.passdb.find(account)) account = e->name;
  if (!env.resolver) {
    *why = "no account resolver";
    return std::nullopt;
  }
  auto id = env.resolver->user(account, why);
  if (!id) return std::nullopt;
  id->domain = env.settings.workgroup;
  return id;
}

}  // namespace cifsd::auth
