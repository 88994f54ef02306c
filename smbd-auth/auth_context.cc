#include "smbd-auth/auth_context.h"

#include <algorithm>

#include "common/log/log.h"
#include "smbd-auth/spnego.h"

namespace cifsd::auth {

using ipc::auth::SessionSetupAnswer;
using ipc::auth::SetupResult;

SessionSetupAnswer AuthContext::fail(SetupResult why) {
  state_ = State::kDone;
  SessionSetupAnswer a;
  a.result = why;
  return a;
}

SessionSetupAnswer AuthContext::step(Bytes blob) {
  if (state_ == State::kDone) return fail(SetupResult::kInvalid);
  spnego::ClientToken t = spnego::parse_client_token(blob);
  switch (state_) {
    case State::kStart:
      if (t.kind == spnego::TokenKind::kRawNtlmssp) {
        spnego_ = false;
        return on_negotiate(blob, true);
      }
      if (t.kind == spnego::TokenKind::kInit) {
        spnego_ = true;
        auto& mechs = t.init.mech_types;
        auto it = std::find(mechs.begin(), mechs.end(), spnego::kOidNtlmssp);
        if (it == mechs.end()) {
          LOG_I("SPNEGO: client offers no NTLMSSP mechanism");
          SessionSetupAnswer a = fail(SetupResult::kLogonFailure);
          spnego::NegTokenResp r;
          r.neg_state = spnego::NegState::kReject;
          a.blob = spnego::build_neg_token_resp(r);
          return a;
        }
        mech_types_der_ = t.init.mech_types_der;
        // An optimistic token is for the client's first mechanism only.
        if (it == mechs.begin() && t.init.has_mech_token)
          return on_negotiate(t.init.mech_token, true);
        state_ = State::kWaitNegotiate;
        SessionSetupAnswer a;
        a.result = SetupResult::kMoreProcessing;
        spnego::NegTokenResp r;
        r.neg_state = spnego::NegState::kAcceptIncomplete;
        r.supported_mech = spnego::kOidNtlmssp;
        a.blob = spnego::build_neg_token_resp(r);
        return a;
      }
      return fail(SetupResult::kInvalid);
    case State::kWaitNegotiate:
      if (t.kind != spnego::TokenKind::kResp || !t.resp.has_response_token)
        return fail(SetupResult::kInvalid);
      return on_negotiate(t.resp.response_token, false);
    case State::kChallenged:
      if (!spnego_) {
        if (t.kind != spnego::TokenKind::kRawNtlmssp) return fail(SetupResult::kInvalid);
        return on_authenticate(blob, nullptr);
      }
      if (t.kind != spnego::TokenKind::kResp || !t.resp.has_response_token)
        return fail(SetupResult::kInvalid);
      return on_authenticate(t.resp.response_token, &t.resp);
    case State::kDone:
      break;
  }
  return fail(SetupResult::kInvalid);
}

SessionSetupAnswer AuthContext::on_negotiate(Bytes ntlm_msg, bool first_leg) {
  std::vector<uint8_t> challenge;
  if (!ntlm_.negotiate(ntlm_msg, &challenge)) return fail(SetupResult::kInvalid);
  state_ = State::kChallenged;
  SessionSetupAnswer a;
  a.result = SetupResult::kMoreProcessing;
  if (!spnego_) {
    a.blob = std::move(challenge);
    return a;
  }
  spnego::NegTokenResp r;
  r.neg_state = spnego::NegState::kAcceptIncomplete;
  if (first_leg) r.supported_mech = spnego::kOidNtlmssp;
  r.has_response_token = true;
  r.response_token = std::move(challenge);
  a.blob = spnego::build_neg_token_resp(r);
  return a;
}

SessionSetupAnswer AuthContext::on_authenticate(Bytes ntlm_msg, const spnego::NegTokenResp* r) {
  AuthOutcome o = ntlm_.authenticate(ntlm_msg);
  state_ = State::kDone;
  switch (o.verdict) {
    case Verdict::kInvalid: return fail(SetupResult::kInvalid);
    case Verdict::kLogonFailure: return fail(SetupResult::kLogonFailure);
    case Verdict::kOk:
    case Verdict::kGuest:
    case Verdict::kAnonymous: break;
  }
  SessionSetupAnswer a;
  a.result = SetupResult::kOk;
  a.identity = std::move(o.identity);
  a.has_session_key = o.has_session_key;
  if (o.has_session_key) a.session_key = o.session_key.array();
  if (!spnego_) return a;

  spnego::NegTokenResp resp;
  resp.neg_state = spnego::NegState::kAcceptCompleted;
  // MS-SPNG 3.3.5.1: when the client protected the mechanism list, check its
  // MIC with the client's signing key and answer with ours. Guest and
  // anonymous logons have no shared key, so there is nothing to check with.
  if (r && r->has_mic && o.verdict == Verdict::kOk) {
    if (!ntlm_.can_sign() || !ntlm_.verify_client_signature(mech_types_der_, r->mech_list_mic)) {
      LOG_I("SPNEGO mechListMIC check failed for '%s'", a.identity.user.c_str());
      SessionSetupAnswer f = fail(SetupResult::kLogonFailure);
      return f;
    }
    LOG_D("SPNEGO mechListMIC verified for '%s'", a.identity.user.c_str());
    resp.has_mic = true;
    resp.mech_list_mic = ntlm_.server_signature(mech_types_der_);
  }
  a.blob = spnego::build_neg_token_resp(resp);
  return a;
}

}  // namespace cifsd::auth
