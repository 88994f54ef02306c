#pragma once
// One SESSION_SETUP authentication in progress: unwraps SPNEGO (or takes raw
// NTLMSSP), picks the mechanism (spnego::choose_mech), drives an NtlmServer
// or a Krb5Acceptor, checks and produces the mechListMIC, and wraps the
// answer. Pure: the caller supplies the bytes and ships the result.
#include <cstdint>
#include <memory>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "smbd-auth/auth_env.h"
#include "smbd-auth/krb5_acceptor.h"
#include "smbd-auth/ntlm_server.h"
#include "smbd-auth/spnego.h"

namespace cifsd::auth {

class AuthContext {
 public:
  explicit AuthContext(const AuthEnv& env) : env_(env), ntlm_(env) {}
  ~AuthContext();
  AuthContext(const AuthContext&) = delete;
  AuthContext& operator=(const AuthContext&) = delete;
  // Processes one leg. The answer's context field is left for the caller.
  ipc::auth::SessionSetupAnswer step(Bytes blob);
  bool finished() const { return state_ == State::kDone; }
  NtlmServer& ntlm() { return ntlm_; }
  // The account a failed logon tried (NTLM user name or Kerberos principal),
  // for the rate limiter.
  const std::string& attempted_user() const {
    return krb5_ ? attempted_user_ : ntlm_.attempted_user();
  }

 private:
  enum class State { kStart, kWaitNegotiate, kChallenged, kKrb5, kKrb5WaitMic, kDone };
  ipc::auth::SessionSetupAnswer on_negotiate(Bytes ntlm_msg, bool first_leg);
  ipc::auth::SessionSetupAnswer on_authenticate(Bytes ntlm_msg, const spnego::NegTokenResp* r);
  ipc::auth::SessionSetupAnswer fail(ipc::auth::SetupResult why);
  ipc::auth::SessionSetupAnswer reject(ipc::auth::SetupResult why, Bytes token = {});
  ipc::auth::SessionSetupAnswer on_krb5(Bytes token, bool first_leg, bool has_mic, Bytes mic);
  ipc::auth::SessionSetupAnswer krb5_done(bool first_leg, bool has_mic, Bytes mic,
                                          std::vector<uint8_t> ap_rep);

  const AuthEnv& env_;
  NtlmServer ntlm_;
  State state_ = State::kStart;
  bool spnego_ = false;
  std::vector<uint8_t> mech_types_der_;
  // Kerberos: the acceptor, the OID the client named, whether krb5 was its
  // first choice (else the mechListMIC exchange is required, RFC 4178 5),
  // and the finished logon held while waiting for the client's MIC.
  std::unique_ptr<Krb5Acceptor> krb5_;
  std::vector<uint8_t> krb5_oid_;
  bool krb5_preferred_ = false;
  ipc::auth::SessionSetupAnswer held_;
  std::string attempted_user_;
};

}  // namespace cifsd::auth
