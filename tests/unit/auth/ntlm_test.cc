// Full simulated NTLMSSP / SPNEGO exchanges against the server classes, and
// malformed AUTHENTICATE messages.

#include <cstring>

#include "common/log/log.h"
#include "common/util/utf16.h"
#include "smbd-auth/auth_context.h"
#include "smbd-auth/ntlm_server.h"
#include "smbd-auth/spnego.h"
#include "tests/unit/auth/test_util.h"

// cmocka last: it defines macros (skip, fail) that clash with our names.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::auth;
using ipc::auth::SetupResult;

namespace {

testutil::FakeResolver g_resolver;

AuthEnv make_env(MapToGuest mtg = MapToGuest::kNever) {
  AuthEnv env;
  env.settings.map_to_guest = mtg;
  env.resolver = &g_resolver;
  env.passdb.set("alice", crypto::nt_hash("Secret123"));
  env.passdb.set("root", crypto::nt_hash("rootpw"));
  env.passdb.set("nounix", crypto::nt_hash("pw"));
  return env;
}

// Runs a raw NTLMSSP exchange; returns the final answer.
ipc::auth::SessionSetupAnswer raw_exchange(const AuthEnv& env, testutil::Client& c) {
  AuthContext ctx(env);
  auto a1 = ctx.step(c.make_negotiate());
  assert_int_equal(int(a1.result), int(SetupResult::kMoreProcessing));
  assert_int_equal(ntlmssp::message_type(a1.blob), 2);
  auto auth = c.make_authenticate(a1.blob);
  assert_false(auth.empty());
  return ctx.step(auth);
}

}  // namespace

static void test_raw_exchange_ok(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"alice", "WORKGROUP", "Secret123"};
  auto a = raw_exchange(env, c);
  assert_int_equal(int(a.result), int(SetupResult::kOk));
  assert_true(a.has_session_key);
  assert_memory_equal(a.session_key.data(), c.esk, 16);
  assert_string_equal(a.identity.user.c_str(), "alice");
  assert_int_equal(a.identity.uid, 1000);
  assert_false(a.identity.guest);
  assert_true(a.validate());
}

static void test_exchange_without_key_exch(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"ALICE", "other-domain", "Secret123"};
  c.key_exch = false;
  auto a = raw_exchange(env, c);
  assert_int_equal(int(a.result), int(SetupResult::kOk));
  assert_memory_equal(a.session_key.data(), c.esk, 16);  // = SessionBaseKey
}

static void test_empty_domain_and_no_mic(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"alice", "", "Secret123"};
  c.with_mic = false;
  auto a = raw_exchange(env, c);
  assert_int_equal(int(a.result), int(SetupResult::kOk));
}

static void test_wrong_password(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"alice", "WORKGROUP", "wrong"};
  auto a = raw_exchange(env, c);
  assert_int_equal(int(a.result), int(SetupResult::kLogonFailure));
  assert_false(a.has_session_key);
  // With map to guest = bad user, a wrong password still fails.
  AuthEnv env2 = make_env(MapToGuest::kBadUser);
  testutil::Client c2{"alice", "WORKGROUP", "wrong"};
  assert_int_equal(int(raw_exchange(env2, c2).result), int(SetupResult::kLogonFailure));
  // With bad password it becomes guest.
  AuthEnv env3 = make_env(MapToGuest::kBadPassword);
  testutil::Client c3{"alice", "WORKGROUP", "wrong"};
  auto a3 = raw_exchange(env3, c3);
  assert_int_equal(int(a3.result), int(SetupResult::kOk));
  assert_true(a3.identity.guest);
  assert_false(a3.has_session_key);
}

static void test_unknown_user(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"mallory", "WORKGROUP", "x"};
  assert_int_equal(int(raw_exchange(env, c).result), int(SetupResult::kLogonFailure));
  AuthEnv env2 = make_env(MapToGuest::kBadUser);
  testutil::Client c2{"mallory", "WORKGROUP", "x"};
  auto a = raw_exchange(env2, c2);
  assert_int_equal(int(a.result), int(SetupResult::kOk));
  assert_true(a.identity.guest);
  assert_int_equal(a.identity.uid, 65534);
  assert_false(a.has_session_key);
  assert_true(a.validate());
}

static void test_root_and_missing_unix_user_refused(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"root", "", "rootpw"};
  assert_int_equal(int(raw_exchange(env, c).result), int(SetupResult::kLogonFailure));
  testutil::Client c2{"nounix", "", "pw"};
  assert_int_equal(int(raw_exchange(env, c2).result), int(SetupResult::kLogonFailure));
}

static void test_anonymous(void**) {
  AuthEnv env = make_env();
  AuthContext ctx(env);
  testutil::Client c;
  auto a1 = ctx.step(c.make_negotiate());
  assert_int_equal(int(a1.result), int(SetupResult::kMoreProcessing));
  ntlmssp::AuthenticateParams p;
  p.flags = ntlmssp::kUnicode | ntlmssp::kNtlm | ntlmssp::kAnonymous;
  p.lm_response = {0};
  auto a = ctx.step(ntlmssp::build_authenticate(p));
  assert_int_equal(int(a.result), int(SetupResult::kOk));
  assert_true(a.identity.anonymous);
  assert_true(a.identity.user.empty());
  assert_false(a.has_session_key);
  assert_true(a.validate());
}

// An NTLMv1-sized response that is not the right one is a wrong password.
static void test_ntlmv1_garbage_refused(void**) {
  AuthEnv env = make_env();
  env.settings.ntlm_auth = true;
  AuthContext ctx(env);
  testutil::Client c;
  ctx.step(c.make_negotiate());
  ntlmssp::AuthenticateParams p;
  p.flags = ntlmssp::kUnicode | ntlmssp::kNtlm;
  p.user = "alice";
  p.nt_response.assign(24, 0x11);
  p.lm_response.assign(24, 0x22);
  auto a = ctx.step(ntlmssp::build_authenticate(p));
  assert_int_equal(int(a.result), int(SetupResult::kLogonFailure));
  assert_false(a.has_session_key);
}

// NTLMv1 with the MS-NLMP 4.2.2 / 4.2.3 values, through NtlmServer with the
// spec's server challenge: user "User", password "Password".
namespace {

constexpr uint32_t kV1Flags = ntlmssp::kUnicode | ntlmssp::kRequestTarget | ntlmssp::kSign |
                              ntlmssp::kSeal | ntlmssp::kNtlm | ntlmssp::kAlwaysSign |
                              ntlmssp::k128 | ntlmssp::k56;
const char kV1Nt[] = "67c43011f30298a2ad35ece64f16331c44bdbed927841f94";      // 4.2.2.2.1
const char kV1EssNt[] = "7537f803ae367128ca458204bde7caf81e97ed2683267232";   // 4.2.3.2.2
const char kV1EssLm[] = "aaaaaaaaaaaaaaaa00000000000000000000000000000000";   // 4.2.3.2.1
const char kV1Sbk[] = "d87262b0cde4b1cb7499becccdf10784";                     // 4.2.2.1.3
const char kV1EssKxKey[] = "eb93429a8bd952f8b89c55b87f475edc";                // 4.2.3.1.2
// RandomSessionKey 55*16 encrypted with RC4(KeyExchangeKey): 4.2.2.2.3 for
// the SessionBaseKey; for the ESS KeyExchangeKey computed with pycryptodome.
const char kV1EncKey[] = "518822b1b3f350c8958682ecbb3e3cb7";
const char kV1EssEncKey[] = "c24aaae976dbb40586052e128d87b4a6";

AuthEnv make_v1_env(bool ntlm_auth, const char* password = "Password",
                    MapToGuest mtg = MapToGuest::kNever) {
  AuthEnv env;
  env.settings.ntlm_auth = ntlm_auth;
  env.settings.map_to_guest = mtg;
  env.resolver = &g_resolver;
  env.passdb.set("User", crypto::nt_hash(password));
  return env;
}

struct V1Logon {
  uint32_t flags = kV1Flags;
  std::vector<uint8_t> lm, nt, enc_key;
};

// Runs NEGOTIATE (with `l.flags`) and an AUTHENTICATE carrying `l` on `s`.
AuthOutcome v1_logon_on(NtlmServer& s, const V1Logon& l) {
  std::array<uint8_t, 8> chal;
  auto c = testutil::hex("0123456789abcdef");
  std::copy(c.begin(), c.end(), chal.begin());
  s.set_challenge_for_test(chal);
  std::vector<uint8_t> ch;
  assert_true(s.negotiate(ntlmssp::build_negotiate(l.flags), &ch));
  ntlmssp::AuthenticateParams p;
  p.flags = l.flags;
  p.user = "User";
  p.domain = "Domain";
  p.workstation = "COMPUTER";
  p.lm_response = l.lm;
  p.nt_response = l.nt;
  p.encrypted_session_key = l.enc_key;
  p.with_mic = false;
  return s.authenticate(ntlmssp::build_authenticate(p));
}

AuthOutcome v1_logon(const AuthEnv& env, const V1Logon& l) {
  NtlmServer s(env);
  return v1_logon_on(s, l);
}

V1Logon v1_plain() {
  V1Logon l;
  l.nt = testutil::hex(kV1Nt);
  l.lm = l.nt;  // NoLMResponseNTLMv1: the NT response again
  return l;
}

V1Logon v1_ess() {
  V1Logon l;
  l.flags |= ntlmssp::kExtendedSessionSecurity;
  l.nt = testutil::hex(kV1EssNt);
  l.lm = testutil::hex(kV1EssLm);
  return l;
}

void assert_key(const AuthOutcome& o, const char* want_hex) {
  assert_int_equal(int(o.verdict), int(Verdict::kOk));
  assert_true(o.has_session_key);
  assert_memory_equal(o.session_key.data(), testutil::hex(want_hex).data(), 16);
}

}  // namespace

static void test_ntlmv1_accepted_with_ntlm_auth(void**) {
  AuthEnv env = make_v1_env(true);
  // Without ESS and KEY_EXCH the session key is the SessionBaseKey.
  AuthOutcome o = v1_logon(env, v1_plain());
  assert_key(o, kV1Sbk);
  assert_string_equal(o.identity.user.c_str(), "User");
  assert_false(o.identity.guest);
  // The LM field may also be absent or anything else: only NT is checked.
  V1Logon no_lm = v1_plain();
  no_lm.lm.clear();
  assert_key(v1_logon(env, no_lm), kV1Sbk);
  V1Logon junk_lm = v1_plain();
  junk_lm.lm.assign(24, 0x5a);
  assert_key(v1_logon(env, junk_lm), kV1Sbk);
  // With KEY_EXCH the client's random session key, decrypted with the
  // SessionBaseKey (MS-NLMP 4.2.2.2.3).
  V1Logon kx = v1_plain();
  kx.flags |= ntlmssp::kKeyExch;
  kx.enc_key = testutil::hex(kV1EncKey);
  NtlmServer s(env);
  assert_key(v1_logon_on(s, kx), "55555555555555555555555555555555");

  // Signatures without ESS (MS-NLMP 3.4.4.1) with that key: one RC4 stream
  // for both directions (half duplex), RC4 of a zero pad, CRC32 and the
  // sequence number: the client's message 0, then our message 1. Over
  // 4.2.2.4's message "Plaintext" (its sealed variant continues the same RC4
  // stream); these values computed with pycryptodome and zlib.
  assert_true(s.can_sign());
  auto msg = utf8_to_utf16le("Plaintext");
  auto client_sig = testutil::hex("0100000006fe68d87d7df2099ed7578a");
  auto server_sig = testutil::hex("010000004b3b3545763cef5b45e57458");
  auto sig = s.server_signature(msg);
  assert_int_equal(sig.size(), 16);
  assert_memory_equal(sig.data(), server_sig.data(), 16);
  assert_true(s.verify_client_signature(msg, client_sig));
  assert_false(s.verify_client_signature(msg, server_sig));
  // The pad is not checked, the rest is.
  auto pad = client_sig;
  pad[5] ^= 0x40;
  assert_true(s.verify_client_signature(msg, pad));
  for (size_t i : {0, 8, 11, 12, 15}) {
    auto bad = client_sig;
    bad[i] ^= 1;
    assert_false(s.verify_client_signature(msg, bad));
  }
  auto other = utf8_to_utf16le("Plaintexu");
  assert_false(s.verify_client_signature(other, client_sig));
}

static void test_ntlmv1_ess_accepted_with_ntlm_auth(void**) {
  AuthEnv env = make_v1_env(true);
  NtlmServer s(env);
  AuthOutcome o = v1_logon_on(s, v1_ess());
  assert_key(o, kV1EssKxKey);
  assert_true(s.can_sign());
  V1Logon kx = v1_ess();
  kx.flags |= ntlmssp::kKeyExch;
  kx.enc_key = testutil::hex(kV1EssEncKey);
  assert_key(v1_logon(env, kx), "55555555555555555555555555555555");
  // The ESS response checked as a plain one (flag dropped) fails, and the
  // plain response with the flag set fails too.
  V1Logon no_flag = v1_ess();
  no_flag.flags &= ~uint32_t(ntlmssp::kExtendedSessionSecurity);
  assert_int_equal(int(v1_logon(env, no_flag).verdict), int(Verdict::kLogonFailure));
  V1Logon wrong = v1_plain();
  wrong.flags |= ntlmssp::kExtendedSessionSecurity;
  wrong.lm = testutil::hex(kV1EssLm);
  assert_int_equal(int(v1_logon(env, wrong).verdict), int(Verdict::kLogonFailure));
  // With ESS the LM field holds the client challenge: it must be 24 bytes.
  V1Logon short_lm = v1_ess();
  short_lm.lm.resize(8);
  AuthOutcome sh = v1_logon(env, short_lm);
  assert_int_equal(int(sh.verdict), int(Verdict::kLogonFailure));
  assert_false(sh.has_session_key);
  // Another client challenge gives another response.
  V1Logon other_cc = v1_ess();
  other_cc.lm[0] ^= 1;
  assert_int_equal(int(v1_logon(env, other_cc).verdict), int(Verdict::kLogonFailure));
}

static void test_ntlmv1_refused_by_default(void**) {
  AuthEnv env = make_v1_env(false);
  for (const V1Logon& l : {v1_plain(), v1_ess()}) {
    AuthOutcome o = v1_logon(env, l);
    assert_int_equal(int(o.verdict), int(Verdict::kLogonFailure));
    assert_false(o.has_session_key);
  }
  // Not even as guest with map to guest = bad password.
  AuthEnv env2 = make_v1_env(false, "Password", MapToGuest::kBadPassword);
  assert_int_equal(int(v1_logon(env2, v1_plain()).verdict), int(Verdict::kLogonFailure));
}

static void test_ntlmv1_wrong_password(void**) {
  AuthEnv env = make_v1_env(true, "Passw0rd");
  for (const V1Logon& l : {v1_plain(), v1_ess()}) {
    AuthOutcome o = v1_logon(env, l);
    assert_int_equal(int(o.verdict), int(Verdict::kLogonFailure));
    assert_false(o.has_session_key);
  }
  // map to guest = bad password applies as for NTLMv2.
  AuthEnv env2 = make_v1_env(true, "Passw0rd", MapToGuest::kBadPassword);
  AuthOutcome g = v1_logon(env2, v1_ess());
  assert_int_equal(int(g.verdict), int(Verdict::kGuest));
  assert_true(g.identity.guest);
  assert_false(g.has_session_key);
}

static void test_lm_only_refused(void**) {
  // LM needs the LM hash, which we do not store: refused even with ntlm auth.
  AuthEnv env = make_v1_env(true);
  V1Logon l;
  l.lm = testutil::hex("98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13");  // 4.2.2.2.2
  AuthOutcome o = v1_logon(env, l);
  assert_int_equal(int(o.verdict), int(Verdict::kLogonFailure));
  assert_false(o.has_session_key);
  // The NT response in the LM field only is LM-only as well.
  l.lm = testutil::hex(kV1Nt);
  assert_int_equal(int(v1_logon(env, l).verdict), int(Verdict::kLogonFailure));
  // NT responses of other short lengths are neither v1 nor v2.
  for (size_t n : {1, 16, 23, 25, 47}) {
    V1Logon odd = v1_plain();
    odd.nt.resize(n, 0);
    assert_int_equal(int(v1_logon(env, odd).verdict), int(Verdict::kLogonFailure));
  }
}

static void test_challenge_never_offers_lm_key(void**) {
  // The NTLMv1 KeyExchangeKey would need the LM hash with LM_KEY or
  // REQUEST_NON_NT_SESSION_KEY: CHALLENGE must never offer them.
  AuthEnv env = make_v1_env(true);
  NtlmServer s(env);
  std::vector<uint8_t> ch;
  assert_true(s.negotiate(ntlmssp::build_negotiate(0xffffffffu), &ch));
  assert_true(ch.size() >= 24);
  uint32_t f = uint32_t(ch[20]) | uint32_t(ch[21]) << 8 | uint32_t(ch[22]) << 16 |
               uint32_t(ch[23]) << 24;  // CHALLENGE NegotiateFlags
  assert_int_equal(f & (ntlmssp::kLmKey | ntlmssp::kRequestNonNtSessionKey), 0);
  assert_true(f & ntlmssp::kExtendedSessionSecurity);
}

static void test_ntlmv1_raw_and_spnego_exchange(void**) {
  AuthEnv env = make_env();
  env.settings.ntlm_auth = true;
  // Raw NTLMSSP, random challenge, with and without ESS and KEY_EXCH.
  for (uint32_t drop : {0u, uint32_t(ntlmssp::kExtendedSessionSecurity)}) {
    for (bool kx : {true, false}) {
      testutil::Client c{"alice", "WORKGROUP", "Secret123"};
      c.flags &= ~drop;
      c.key_exch = kx;
      AuthContext ctx(env);
      auto a1 = ctx.step(c.make_negotiate());
      auto a = ctx.step(c.make_authenticate_v1(a1.blob));
      assert_int_equal(int(a.result), int(SetupResult::kOk));
      assert_true(a.has_session_key);
      assert_memory_equal(a.session_key.data(), c.esk, 16);
      assert_true(a.validate());
    }
  }
  // SPNEGO with a mechListMIC, with ESS (3.4.4.2) and without (3.4.4.1).
  for (uint32_t drop : {0u, uint32_t(ntlmssp::kExtendedSessionSecurity)}) {
    testutil::Client c{"alice", "WORKGROUP", "Secret123"};
    c.flags &= ~drop;
    AuthContext ctx(env);
    auto init = spnego::build_client_init({spnego::kOidNtlmssp}, c.make_negotiate());
    auto a1 = ctx.step(init);
    spnego::NegTokenResp r1;
    assert_true(spnego::parse_neg_token_resp(a1.blob, &r1));
    spnego::NegTokenInit parsed;
    assert_true(spnego::parse_neg_token_init(init, &parsed));
    spnego::NegTokenResp r2;
    r2.has_response_token = true;
    r2.response_token = c.make_authenticate_v1(r1.response_token);
    assert_int_equal(c.flags_negotiated & ntlmssp::kExtendedSessionSecurity,
                     ntlmssp::kExtendedSessionSecurity & ~drop);
    r2.has_mic = true;
    r2.mech_list_mic = c.signature(parsed.mech_types_der, true);
    auto a2 = ctx.step(spnego::build_neg_token_resp(r2));
    assert_int_equal(int(a2.result), int(SetupResult::kOk));
    assert_memory_equal(a2.session_key.data(), c.esk, 16);
    spnego::NegTokenResp r3;
    assert_true(spnego::parse_neg_token_resp(a2.blob, &r3));
    assert_true(r3.has_mic);
    auto want = c.signature(parsed.mech_types_der, false);
    assert_int_equal(r3.mech_list_mic.size(), 16);
    assert_memory_equal(r3.mech_list_mic.data(), want.data(), 16);
    // A wrong mechListMIC is refused.
    AuthContext ctx2(env);
    auto b1 = ctx2.step(spnego::build_client_init({spnego::kOidNtlmssp}, c.make_negotiate()));
    spnego::NegTokenResp q1;
    assert_true(spnego::parse_neg_token_resp(b1.blob, &q1));
    spnego::NegTokenResp q2;
    q2.has_response_token = true;
    q2.response_token = c.make_authenticate_v1(q1.response_token);
    q2.has_mic = true;
    q2.mech_list_mic = c.signature(parsed.mech_types_der, true);
    q2.mech_list_mic[10] ^= 1;
    assert_int_equal(int(ctx2.step(spnego::build_neg_token_resp(q2)).result),
                     int(SetupResult::kLogonFailure));
  }
  // The same client with ntlm auth off: refused.
  AuthEnv off = make_env();
  testutil::Client c2{"alice", "WORKGROUP", "Secret123"};
  AuthContext ctx2(off);
  auto b1 = ctx2.step(c2.make_negotiate());
  assert_int_equal(int(ctx2.step(c2.make_authenticate_v1(b1.blob)).result),
                   int(SetupResult::kLogonFailure));
}

static void test_malformed_v2_blob_invalid(void**) {
  AuthEnv env = make_env();
  AuthContext ctx(env);
  testutil::Client c;
  ctx.step(c.make_negotiate());
  ntlmssp::AuthenticateParams p;
  p.flags = ntlmssp::kUnicode | ntlmssp::kNtlm;
  p.user = "alice";
  p.nt_response.assign(60, 0);
  p.nt_response[16] = 2;  // RespType must be 1
  auto a = ctx.step(ntlmssp::build_authenticate(p));
  assert_int_equal(int(a.result), int(SetupResult::kInvalid));
  // AV pairs running past the end are malformed too.
  ntlmssp::V2Blob b;
  std::vector<uint8_t> blob(28, 0);
  blob[0] = blob[1] = 1;
  blob.insert(blob.end(), {2, 0, 0xff, 0x00, 'x'});
  assert_false(ntlmssp::parse_v2_blob(blob, &b));
  // Without MsvAvEOL as well.
  std::vector<uint8_t> noeol(28, 0);
  noeol[0] = noeol[1] = 1;
  assert_false(ntlmssp::parse_v2_blob(noeol, &b));
  noeol.insert(noeol.end(), {0, 0, 0, 0});
  assert_true(ntlmssp::parse_v2_blob(noeol, &b));
}

static void test_tampered_mic_refused(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"alice", "WORKGROUP", "Secret123"};
  AuthContext ctx(env);
  auto a1 = ctx.step(c.make_negotiate());
  auto auth = c.make_authenticate(a1.blob);
  auth[72] ^= 1;
  assert_int_equal(int(ctx.step(auth).result), int(SetupResult::kLogonFailure));
}

static void test_replay_after_done_refused(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"alice", "WORKGROUP", "Secret123"};
  AuthContext ctx(env);
  auto a1 = ctx.step(c.make_negotiate());
  auto auth = c.make_authenticate(a1.blob);
  assert_int_equal(int(ctx.step(auth).result), int(SetupResult::kOk));
  assert_int_equal(int(ctx.step(auth).result), int(SetupResult::kInvalid));
}

static void test_spnego_exchange_with_mechlistmic(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"alice", "WORKGROUP", "Secret123"};
  AuthContext ctx(env);
  auto init = spnego::build_client_init({spnego::kOidNtlmssp}, c.make_negotiate());
  auto a1 = ctx.step(init);
  assert_int_equal(int(a1.result), int(SetupResult::kMoreProcessing));
  spnego::NegTokenResp r1;
  assert_true(spnego::parse_neg_token_resp(a1.blob, &r1));
  assert_int_equal(int(r1.neg_state), int(spnego::NegState::kAcceptIncomplete));
  assert_true(r1.supported_mech == spnego::kOidNtlmssp);
  assert_true(r1.has_response_token);

  spnego::NegTokenInit parsed;
  assert_true(spnego::parse_neg_token_init(init, &parsed));
  spnego::NegTokenResp r2;
  r2.has_response_token = true;
  r2.response_token = c.make_authenticate(r1.response_token);
  r2.has_mic = true;
  r2.mech_list_mic = c.signature(parsed.mech_types_der, true);
  auto a2 = ctx.step(spnego::build_neg_token_resp(r2));
  assert_int_equal(int(a2.result), int(SetupResult::kOk));
  assert_memory_equal(a2.session_key.data(), c.esk, 16);
  spnego::NegTokenResp r3;
  assert_true(spnego::parse_neg_token_resp(a2.blob, &r3));
  assert_int_equal(int(r3.neg_state), int(spnego::NegState::kAcceptCompleted));
  assert_true(r3.has_mic);
  auto want = c.signature(parsed.mech_types_der, false);
  assert_int_equal(r3.mech_list_mic.size(), 16);
  assert_memory_equal(r3.mech_list_mic.data(), want.data(), 16);
}

static void test_spnego_bad_mechlistmic(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"alice", "WORKGROUP", "Secret123"};
  AuthContext ctx(env);
  auto a1 = ctx.step(spnego::build_client_init({spnego::kOidNtlmssp}, c.make_negotiate()));
  spnego::NegTokenResp r1;
  assert_true(spnego::parse_neg_token_resp(a1.blob, &r1));
  spnego::NegTokenResp r2;
  r2.has_response_token = true;
  r2.response_token = c.make_authenticate(r1.response_token);
  r2.has_mic = true;
  r2.mech_list_mic.assign(16, 0x55);
  auto a2 = ctx.step(spnego::build_neg_token_resp(r2));
  assert_int_equal(int(a2.result), int(SetupResult::kLogonFailure));
  assert_false(a2.has_session_key);
}

static void test_spnego_ntlm_not_first(void**) {
  AuthEnv env = make_env();
  testutil::Client c{"alice", "WORKGROUP", "Secret123"};
  AuthContext ctx(env);
  std::vector<uint8_t> krb5 = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
  auto a1 = ctx.step(spnego::build_client_init({krb5, spnego::kOidNtlmssp}, std::vector<uint8_t>{1, 2, 3}));
  assert_int_equal(int(a1.result), int(SetupResult::kMoreProcessing));
  spnego::NegTokenResp r1;
  assert_true(spnego::parse_neg_token_resp(a1.blob, &r1));
  assert_false(r1.has_response_token);
  spnego::NegTokenResp n;
  n.has_response_token = true;
  n.response_token = c.make_negotiate();
  auto a2 = ctx.step(spnego::build_neg_token_resp(n));
  assert_int_equal(int(a2.result), int(SetupResult::kMoreProcessing));
  spnego::NegTokenResp r2;
  assert_true(spnego::parse_neg_token_resp(a2.blob, &r2));
  spnego::NegTokenResp r3;
  r3.has_response_token = true;
  r3.response_token = c.make_authenticate(r2.response_token);
  auto a3 = ctx.step(spnego::build_neg_token_resp(r3));
  assert_int_equal(int(a3.result), int(SetupResult::kOk));
}

static void test_spnego_without_ntlm_rejected(void**) {
  AuthEnv env = make_env();
  AuthContext ctx(env);
  std::vector<uint8_t> krb5 = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
  auto a = ctx.step(spnego::build_client_init({krb5}, std::vector<uint8_t>{1}));
  assert_int_equal(int(a.result), int(SetupResult::kLogonFailure));
  spnego::NegTokenResp r;
  assert_true(spnego::parse_neg_token_resp(a.blob, &r));
  assert_int_equal(int(r.neg_state), int(spnego::NegState::kReject));
}

// A valid AUTHENTICATE to mutate.
static std::vector<uint8_t> valid_auth(const AuthEnv& env, AuthContext& ctx, testutil::Client& c) {
  (void)env;
  auto a1 = ctx.step(c.make_negotiate());
  return c.make_authenticate(a1.blob);
}

static void set_field(std::vector<uint8_t>& m, int idx, uint16_t len, uint16_t max, uint32_t off) {
  size_t at = 12 + size_t(idx) * 8;
  m[at] = uint8_t(len); m[at + 1] = uint8_t(len >> 8);
  m[at + 2] = uint8_t(max); m[at + 3] = uint8_t(max >> 8);
  for (int i = 0; i < 4; i++) m[at + 4 + i] = uint8_t(off >> (8 * i));
}

static void test_malformed_authenticate(void**) {
  AuthEnv env = make_env();
  struct Mut { int field; uint16_t len; uint16_t max; uint32_t off; };
  // NT response field is index 1, user index 3.
  const Mut muts[] = {
      {1, 200, 200, 0xfffffff0u},  // offset wraps
      {1, 0xffff, 0xffff, 88},     // length past the end
      {3, 10, 10, 5000},           // offset past the end
      {3, 10, 10, 0},              // inside the header
      {3, 10, 10, 96},             // overlaps the LM/NT responses
      {3, 10, 4, 300},             // MaxLen < Len
      {5, 8, 8, 88},               // session key of 8 bytes, overlapping
  };
  for (auto& m : muts) {
    AuthContext ctx(env);
    testutil::Client c{"alice", "WORKGROUP", "Secret123"};
    auto auth = valid_auth(env, ctx, c);
    set_field(auth, m.field, m.len, m.max, m.off);
    auto a = ctx.step(auth);
    assert_int_not_equal(int(a.result), int(SetupResult::kOk));
    assert_false(a.has_session_key);
  }
  // Truncations of a valid message at every length never succeed or crash.
  AuthContext ctx0(env);
  testutil::Client c0{"alice", "WORKGROUP", "Secret123"};
  auto full = valid_auth(env, ctx0, c0);
  for (size_t n = 0; n < full.size(); n++) {
    AuthContext ctx(env);
    testutil::Client c{"alice", "WORKGROUP", "Secret123"};
    (void)valid_auth(env, ctx, c);
    std::vector<uint8_t> t(full.begin(), full.begin() + long(n));
    auto a = ctx.step(t);
    assert_int_not_equal(int(a.result), int(SetupResult::kOk));
  }
  // Parser-level: odd-length UTF-16 names are rejected.
  ntlmssp::Authenticate out;
  auto m = full;
  set_field(m, 3, 3, 3, uint32_t(m.size() - 3));
  assert_false(ntlmssp::parse_authenticate(m, &out));
  assert_true(ntlmssp::parse_authenticate(full, &out));
  assert_string_equal(out.user_name.c_str(), "alice");
}

static void test_authenticate_before_negotiate(void**) {
  AuthEnv env = make_env();
  NtlmServer s(env);
  ntlmssp::AuthenticateParams p;
  p.user = "alice";
  auto a = s.authenticate(ntlmssp::build_authenticate(p));
  assert_int_equal(int(a.verdict), int(Verdict::kInvalid));
  // A CHALLENGE in place of NEGOTIATE is not accepted.
  std::vector<uint8_t> ch;
  ntlmssp::ChallengeParams cp;
  assert_false(s.negotiate(ntlmssp::build_challenge(cp), &ch));
}

int main() {
  log::init("ntlm_test", false, log::kError);
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_raw_exchange_ok),
      cmocka_unit_test(test_exchange_without_key_exch),
      cmocka_unit_test(test_empty_domain_and_no_mic),
      cmocka_unit_test(test_wrong_password),
      cmocka_unit_test(test_unknown_user),
      cmocka_unit_test(test_root_and_missing_unix_user_refused),
      cmocka_unit_test(test_anonymous),
      cmocka_unit_test(test_ntlmv1_garbage_refused),
      cmocka_unit_test(test_ntlmv1_accepted_with_ntlm_auth),
      cmocka_unit_test(test_ntlmv1_ess_accepted_with_ntlm_auth),
      cmocka_unit_test(test_ntlmv1_refused_by_default),
      cmocka_unit_test(test_ntlmv1_wrong_password),
      cmocka_unit_test(test_lm_only_refused),
      cmocka_unit_test(test_challenge_never_offers_lm_key),
      cmocka_unit_test(test_ntlmv1_raw_and_spnego_exchange),
      cmocka_unit_test(test_malformed_v2_blob_invalid),
      cmocka_unit_test(test_tampered_mic_refused),
      cmocka_unit_test(test_replay_after_done_refused),
      cmocka_unit_test(test_spnego_exchange_with_mechlistmic),
      cmocka_unit_test(test_spnego_bad_mechlistmic),
      cmocka_unit_test(test_spnego_ntlm_not_first),
      cmocka_unit_test(test_spnego_without_ntlm_rejected),
      cmocka_unit_test(test_malformed_authenticate),
      cmocka_unit_test(test_authenticate_before_negotiate),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
