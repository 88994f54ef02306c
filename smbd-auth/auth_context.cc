#include "smbd-auth/auth_context.h"

#include <algorithm>

#include "common/crypto/secret.h"
#include "common/log/log.h"
#include "smbd-auth/krb5_map.h"
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

AuthContext::~AuthContext() { crypto::wipe(held_.session_key.data(), held_.session_key.size()); }

SessionSetupAnswer AuthContext::reject(SetupResult why, Bytes token) {
  SessionSetupAnswer a = fail(why);
  spnego::NegTokenResp r;
  r.neg_state = spnego::NegState::kReject;
  if (!token.empty()) {
    r.has_response_token = true;
    r.response_token.assign(token.begin(), token.end());
  }
  a.blob = spnego::build_neg_token_resp(r);
  return a;
}

SessionSetupAnswer AuthContext::on_krb5(Bytes token, bool first_leg, bool has_mic, Bytes mic) {
  Krb5Result r = krb5_->accept(token);
  switch (r.status) {
    case Krb5Result::Status::kFailed:
      return reject(SetupResult::kLogonFailure, r.out_token);
    case Krb5Result::Status::kContinue: {
      state_ = State::kKrb5;
      SessionSetupAnswer a;
      a.result = SetupResult::kMoreProcessing;
      spnego::NegTokenResp resp;
      resp.neg_state = spnego::NegState::kAcceptIncomplete;
      if (first_leg) resp.supported_mech = krb5_oid_;
      resp.has_response_token = true;
      resp.response_token = std::move(r.out_token);
      a.blob = spnego::build_neg_token_resp(resp);
      return a;
    }
    case Krb5Result::Status::kComplete:
      break;
  }
  attempted_user_ = r.principal;
  std::string why;
  auto id = r.has_session_key ? map_principal(r.principal, env_, &why) : std::nullopt;
  if (!id) {
    LOG_I("Kerberos logon refused for '%s': %s", r.principal.c_str(),
          r.has_session_key ? why.c_str() : "no session key");
    return reject(SetupResult::kLogonFailure);
  }
  LOG_D("Kerberos ticket of '%s' accepted as '%s' (valid %u s more)", r.principal.c_str(),
        id->user.c_str(), r.lifetime_s);
  held_ = SessionSetupAnswer{};
  held_.result = SetupResult::kOk;
  held_.identity = std::move(*id);
  held_.has_session_key = true;
  held_.session_key = r.session_key.array();
  held_.lifetime_s = r.lifetime_s;
  return krb5_done(first_leg, has_mic, mic, std::move(r.out_token));
}

SessionSetupAnswer AuthContext::krb5_done(bool first_leg, bool has_mic, Bytes mic,
                                          std::vector<uint8_t> ap_rep) {
  spnego::NegTokenResp resp;
  if (first_leg) resp.supported_mech = krb5_oid_;
  if (!ap_rep.empty()) {
    resp.has_response_token = true;
    resp.response_token = std::move(ap_rep);
  }
  // MS-SPNG 3.3.5.1 / RFC 4178 5: a MIC the client sent is checked and
  // answered with ours. When krb5 was not the client's first choice the MIC
  // exchange is mandatory: we send ours and wait for the client's.
  bool need_client_mic = !has_mic && !krb5_preferred_;
  if (has_mic && !krb5_->verify_mic(mech_types_der_, mic)) {
    LOG_I("SPNEGO mechListMIC check failed for '%s' (Kerberos)", held_.identity.user.c_str());
    return fail(SetupResult::kLogonFailure);
  }
  if (has_mic || need_client_mic) {
    resp.mech_list_mic = krb5_->make_mic(mech_types_der_);
    if (resp.mech_list_mic.empty()) return fail(SetupResult::kLogonFailure);
    resp.has_mic = true;
  }
  if (need_client_mic) {
    state_ = State::kKrb5WaitMic;
    resp.neg_state = spnego::NegState::kAcceptIncomplete;
    SessionSetupAnswer a;
    a.result = SetupResult::kMoreProcessing;
    a.blob = spnego::build_neg_token_resp(resp);
    return a;
  }
  state_ = State::kDone;
  resp.neg_state = spnego::NegState::kAcceptCompleted;
  SessionSetupAnswer a = held_;
  crypto::wipe(held_.session_key.data(), held_.session_key.size());
  a.blob = spnego::build_neg_token_resp(resp);
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
        mech_types_der_ = t.init.mech_types_der;
        spnego::MechChoice choice = spnego::choose_mech(t.init.mech_types, env_.settings.kerberos);
        if (choice.mech == spnego::Mech::kNone) {
          LOG_I("SPNEGO: client offers no mechanism we accept (NTLMSSP%s)",
                env_.settings.kerberos ? ", krb5" : "");
          return reject(SetupResult::kLogonFailure);
        }
        if (choice.mech == spnego::Mech::kKrb5) {
          krb5_ = env_.krb5_factory ? env_.krb5_factory(env_.settings.keytab) : nullptr;
          if (!krb5_) return reject(SetupResult::kLogonFailure);
          krb5_oid_ = choice.oid;
          krb5_preferred_ = choice.preferred;
          // An optimistic token is for the client's first mechanism only.
          if (choice.preferred && t.init.has_mech_token)
            return on_krb5(t.init.mech_token, true, t.init.has_mic, t.init.mech_list_mic);
          state_ = State::kKrb5;
          SessionSetupAnswer a;
          a.result = SetupResult::kMoreProcessing;
          spnego::NegTokenResp r;
          r.neg_state = spnego::NegState::kAcceptIncomplete;
          r.supported_mech = krb5_oid_;
          a.blob = spnego::build_neg_token_resp(r);
          return a;
        }
        if (choice.preferred && t.init.has_mech_token)
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
    case State::kKrb5:
      if (t.kind != spnego::TokenKind::kResp || !t.resp.has_response_token)
        return fail(SetupResult::kInvalid);
      return on_krb5(t.resp.response_token, false, t.resp.has_mic, t.resp.mech_list_mic);
    case State::kKrb5WaitMic: {
      if (t.kind != spnego::TokenKind::kResp || !t.resp.has_mic) return fail(SetupResult::kInvalid);
      if (!krb5_->verify_mic(mech_types_der_, t.resp.mech_list_mic)) {
        LOG_I("SPNEGO mechListMIC check failed for '%s' (Kerberos)", held_.identity.user.c_str());
        return fail(SetupResult::kLogonFailure);
      }
      state_ = State::kDone;
      spnego::NegTokenResp r;
      r.neg_state = spnego::NegState::kAcceptCompleted;
      SessionSetupAnswer a = held_;
      crypto::wipe(held_.session_key.data(), held_.session_key.size());
      a.blob = spnego::build_neg_token_resp(r);
      return a;
    }
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
