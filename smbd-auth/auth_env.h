#pragma once
// What an authentication context needs from its surroundings: the settings
// from smb.conf, the password database and the Unix account mapper. Owned by
// the engine; contexts keep a reference, so a reload is seen by the next leg.
#include <optional>
#include <string>

#include "common/config/config.h"
#include "common/ipc/auth_proto.h"
#include "smbd-auth/krb5_acceptor.h"
#include "smbd-auth/passdb.h"

namespace cifsd::auth {

struct AuthSettings {
  std::string netbios_name = "CIFSD";
  std::string workgroup = "WORKGROUP";
  std::string dns_domain;    // defaults to lower-case workgroup
  std::string dns_computer;  // defaults to lower-case netbios name
  MapToGuest map_to_guest = MapToGuest::kNever;
  bool ntlm_auth = false;
  std::string guest_account = "nobody";
  // Kerberos (docs/kerberos.md): on when `kerberos`; tickets are accepted
  // with `keytab` for user principals of `realm`.
  bool kerberos = false;
  std::string realm;
  std::string keytab;

  // Also decides `kerberos` from "server kerberos", realm and (for auto)
  // whether the keytab is usable, logging the outcome.
  static AuthSettings from(const GlobalConfig& g);
};

// Maps an authenticated SMB account to the Unix identity a session will use.
class IdentityResolver {
 public:
  virtual ~IdentityResolver() = default;
  // The Unix user of the same name; nullopt if it does not exist or is refused
  // (uid 0 / gid 0). *why gets a reason for the log.
  virtual std::optional<ipc::auth::Identity> user(const std::string& smb_name,
                                                  std::string* why) = 0;
  // The guest account's identity (for guest and anonymous logons).
  virtual std::optional<ipc::auth::Identity> guest(const std::string& guest_account,
                                                   std::string* why) = 0;
};

struct AuthEnv {
  AuthSettings settings;
  Passdb passdb;
  IdentityResolver* resolver = nullptr;
  // Makes Kerberos acceptors (the MIT GSS-API one; tests put a fake here).
  Krb5Factory krb5_factory = make_gss_acceptor;
};

}  // namespace cifsd::auth
