#pragma once
// One SESSION_SETUP authentication in progress: unwraps SPNEGO (or takes raw
// NTLMSSP), drives an NtlmServer, checks and produces the mechListMIC, and
// wraps the answer. Pure: the caller supplies the bytes and ships the result.
#include <cstdint>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "smbd-auth/auth_env.h"
#include "smbd-auth/ntlm_server.h"
#include "smbd-auth/spnego.h"

namespace cifsd::auth {

class AuthContext {
 public:
  explicit AuthContext(const AuthEnv& env) : env_(env), ntlm_(env) {}
  // Processes one leg. The answer's context field is left for the caller.
  ipc::auth::SessionSetupAnswer step(Bytes blob);
  bool finished() const { return state_ == State::kDone; }
  NtlmServer& ntlm() { return ntlm_; }

 private:
  enum class State { kStart, kWaitNegotiate, kChallenged, kDone };
  ipc::auth::SessionSetupAnswer on_negotiate(Bytes ntlm_msg, bool first_leg);
  ipc::auth::SessionSetupAnswer on_authenticate(Bytes ntlm_msg, const spnego::NegTokenResp* r);
  ipc::auth::SessionSetupAnswer fail(ipc::auth::SetupResult why);

  const AuthEnv& env_;
  NtlmServer ntlm_;
  State state_ = State::kStart;
  bool spnego_ = false;
  std::vector<uint8_t> mech_types_der_;
};

}  // namespace cifsd::auth
