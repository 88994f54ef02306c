// Kerberos in smbd-auth without a KDC: principal -> account mapping, the
// SPNEGO krb5 flows of AuthContext driven through a fake acceptor (what it
// is given, what the client gets back, mechListMIC rules), and the
// SessionSetupAnswer lifetime field (appended, backward compatible).

#include "common/ipc/auth_proto.h"
#include "smbd-auth/auth_context.h"
#include "smbd-auth/krb5_map.h"
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
namespace ia = cifsd::ipc::auth;

namespace {

const std::vector<uint8_t> kApReq = testutil::hex("6010 0609 2a864886f712010202 0100 6e0100");
const std::vector<uint8_t> kApRep = testutil::hex("600f 0609 2a864886f712010202 0200 6f00");

// What the fake does: complete with `principal` (or fail), and a MIC that is
// "MIC:" + the data's length, so tests can check what was signed.
struct FakeScript {
  bool fail = false;
  bool cont_first = false;  // first accept() asks for another leg
  std::string principal = "alice@EXAMPLE.COM";
  uint32_t lifetime = 300;
  std::vector<std::vector<uint8_t>> tokens_seen;
  int verify_calls = 0;
};
FakeScript g_script;

class FakeAcceptor : public Krb5Acceptor {
 public:
  Krb5Result accept(Bytes token) override {
    g_script.tokens_seen.emplace_back(token.begin(), token.end());
    Krb5Result r;
    if (g_script.fail) {
      r.out_token = {0x7e, 0x00};  // a KRB-ERROR-like token
      return r;
    }
    if (g_script.cont_first && g_script.tokens_seen.size() == 1) {
      r.status = Krb5Result::Status::kContinue;
      r.out_token = {0x01, 0x02};
      return r;
    }
    r.status = Krb5Result::Status::kComplete;
    r.out_token = kApRep;
    r.principal = g_script.principal;
    r.has_session_key = true;
    for (int i = 0; i < 16; i++) r.session_key[size_t(i)] = uint8_t(0xa0 + i);
    r.lifetime_s = g_script.lifetime;
    complete_ = true;
    return r;
  }
  bool verify_mic(Bytes data, Bytes mic) override {
    g_script.verify_calls++;
    return complete_ && mic_of(data) == std::vector<uint8_t>(mic.begin(), mic.end());
  }
  std::vector<uint8_t> make_mic(Bytes data) override { return complete_ ? mic_of(data) : std::vector<uint8_t>{}; }
  static std::vector<uint8_t> mic_of(Bytes data) {
    return {'M', 'I', 'C', uint8_t(data.size())};
  }

 private:
  bool complete_ = false;
};

struct Env {
  testutil::FakeResolver resolver;
  AuthEnv env;
  Env() {
    env.resolver = &resolver;
    env.settings.kerberos = true;
    env.settings.realm = "EXAMPLE.COM";
    env.settings.workgroup = "EXAMPLE";
    env.settings.keytab = "/nonexistent";
    env.krb5_factory = [](const std::string&) -> std::unique_ptr<Krb5Acceptor> {
      return std::make_unique<FakeAcceptor>();
    };
    std::vector<std::string> w;
    env.passdb = Passdb::parse("Bob.Smith:AAAAAAAAAAAAAAAAAAAAAA==\n", &w);
  }
};

spnego::NegTokenResp parse_resp(const std::vector<uint8_t>& b) {
  auto t = spnego::parse_client_token(b);
  assert_int_equal(int(t.kind), int(spnego::TokenKind::kResp));
  return t.resp;
}

std::vector<uint8_t> mech_list_der(const std::vector<std::vector<uint8_t>>& mechs) {
  auto b = spnego::build_client_init(mechs, kApReq);
  return spnego::parse_client_token(b).init.mech_types_der;
}

}  // namespace

static int reset(void**) {
  g_script = FakeScript{};
  return 0;
}

static void test_principal_account(void**) {
  std::string why;
  assert_true(principal_account("alice@EXAMPLE.COM", "EXAMPLE.COM", &why) == std::string("alice"));
  // Realm compared ignoring case.
  assert_true(principal_account("alice@example.com", "EXAMPLE.COM", &why) == std::string("alice"));
  // Another realm, no realm, an empty configured realm.
  assert_false(principal_account("alice@OTHER.ORG", "EXAMPLE.COM", &why).has_value());
  assert_true(why.find("not of realm") != std::string::npos);
  assert_false(principal_account("alice", "EXAMPLE.COM", &why).has_value());
  assert_false(principal_account("alice@EXAMPLE.COM", "", &why).has_value());
  // Service/host principals and odd names never map to a user.
  assert_false(principal_account("host/server@EXAMPLE.COM", "EXAMPLE.COM", &why).has_value());
  assert_false(principal_account("cifs/localhost@EXAMPLE.COM", "EXAMPLE.COM", &why).has_value());
  assert_false(principal_account("alice/admin@EXAMPLE.COM", "EXAMPLE.COM", &why).has_value());
  assert_false(principal_account("a@b@EXAMPLE.COM", "EXAMPLE.COM", &why).has_value());
  assert_false(principal_account("@EXAMPLE.COM", "EXAMPLE.COM", &why).has_value());
  assert_false(principal_account(std::string("al\x01ice@EXAMPLE.COM"), "EXAMPLE.COM", &why).has_value());
  // A realm suffix that only ends like ours is not ours.
  assert_false(principal_account("alice@SUB.EXAMPLE.COM", "EXAMPLE.COM", &why).has_value());
}

static void test_map_principal(void**) {
  Env e;
  std::string why;
  auto id = map_principal("alice@EXAMPLE.COM", e.env, &why);
  assert_true(id.has_value());
  assert_string_equal(id->user.c_str(), "alice");
  assert_string_equal(id->domain.c_str(), "EXAMPLE");
  assert_int_equal(id->uid, 1000);
  // The passdb spelling wins when the name is in cifsdpwd.db.
  id = map_principal("bob.smith@EXAMPLE.COM", e.env, &why);
  assert_true(id.has_value());
  assert_string_equal(id->user.c_str(), "Bob.Smith");
  // No Unix account, root: refused with the resolver's reason.
  assert_false(map_principal("nounix@EXAMPLE.COM", e.env, &why).has_value());
  assert_string_equal(why.c_str(), "no Unix user");
  assert_false(map_principal("root@EXAMPLE.COM", e.env, &why).has_value());
}

static void test_optimistic_krb5_logon(void**) {
  Env e;
  AuthContext ctx(e.env);
  auto blob = spnego::build_client_init({spnego::kOidMsKrb5, spnego::kOidKrb5, spnego::kOidNtlmssp}, kApReq);
  ia::SessionSetupAnswer a = ctx.step(blob);
  assert_int_equal(int(a.result), int(ia::SetupResult::kOk));
  assert_true(ctx.finished());
  // The acceptor saw exactly the mechToken.
  assert_int_equal(g_script.tokens_seen.size(), 1);
  assert_true(g_script.tokens_seen[0] == kApReq);
  assert_string_equal(a.identity.user.c_str(), "alice");
  assert_true(a.has_session_key);
  assert_int_equal(a.session_key[0], 0xa0);
  assert_int_equal(a.session_key[15], 0xaf);
  assert_int_equal(a.lifetime_s, 300);
  assert_true(a.validate());
  // accept-completed, supportedMech echoes the client's OID, AP-REP inside,
  // no MIC (krb5 was the client's first choice and it sent none).
  auto r = parse_resp(a.blob);
  assert_int_equal(int(r.neg_state), int(spnego::NegState::kAcceptCompleted));
  assert_true(r.supported_mech == spnego::kOidMsKrb5);
  assert_true(r.has_response_token && r.response_token == kApRep);
  assert_false(r.has_mic);
  assert_int_equal(g_script.verify_calls, 0);
}

static void test_krb5_off_falls_back_to_ntlm(void**) {
  Env e;
  e.env.settings.kerberos = false;
  AuthContext ctx(e.env);
  auto blob = spnego::build_client_init({spnego::kOidKrb5, spnego::kOidNtlmssp}, kApReq);
  ia::SessionSetupAnswer a = ctx.step(blob);
  // NTLMSSP chosen; the optimistic krb5 token is ignored.
  assert_int_equal(int(a.result), int(ia::SetupResult::kMoreProcessing));
  assert_int_equal(g_script.tokens_seen.size(), 0);
  auto r = parse_resp(a.blob);
  assert_true(r.supported_mech == spnego::kOidNtlmssp);
  assert_false(r.has_response_token);
}

static void test_krb5_refused(void**) {
  Env e;
  // A ticket the acceptor refuses: reject, with its error token.
  {
    g_script.fail = true;
    AuthContext ctx(e.env);
    auto a = ctx.step(spnego::build_client_init({spnego::kOidKrb5}, kApReq));
    assert_int_equal(int(a.result), int(ia::SetupResult::kLogonFailure));
    auto r = parse_resp(a.blob);
    assert_int_equal(int(r.neg_state), int(spnego::NegState::kReject));
    assert_true(r.has_response_token && r.response_token == std::vector<uint8_t>({0x7e, 0x00}));
    assert_false(a.has_session_key);
  }
  // A good ticket of another realm or of a service: refused, no key out.
  const char* bad[] = {"alice@OTHER.ORG", "cifs/localhost@EXAMPLE.COM", "nounix@EXAMPLE.COM"};
  for (const char* p : bad) {
    g_script = FakeScript{};
    g_script.principal = p;
    AuthContext ctx(e.env);
    auto a = ctx.step(spnego::build_client_init({spnego::kOidKrb5}, kApReq));
    assert_int_equal(int(a.result), int(ia::SetupResult::kLogonFailure));
    assert_false(a.has_session_key);
    assert_true(ctx.attempted_user() == p);
  }
}

static void test_krb5_client_mic(void**) {
  Env e;
  // The client prefers another mechanism (NEGOEX) and lists krb5 second.
  AuthContext ctx(e.env);
  auto a = ctx.step(spnego::build_client_init({testutil::hex("2b06010401823702021e"), spnego::kOidKrb5},
                                              kApReq));
  // krb5 not preferred: the optimistic token (for NEGOEX) is not used.
  assert_int_equal(int(a.result), int(ia::SetupResult::kMoreProcessing));
  assert_int_equal(g_script.tokens_seen.size(), 0);
  auto r = parse_resp(a.blob);
  assert_true(r.supported_mech == spnego::kOidKrb5);
  auto list2 = mech_list_der({testutil::hex("2b06010401823702021e"), spnego::kOidKrb5});
  // Second leg: the AP-REQ without a MIC. Not preferred, so the MIC
  // exchange is required: our MIC, accept-incomplete, no logon yet.
  spnego::NegTokenResp leg;
  leg.has_response_token = true;
  leg.response_token = kApReq;
  a = ctx.step(spnego::build_neg_token_resp(leg));
  assert_int_equal(int(a.result), int(ia::SetupResult::kMoreProcessing));
  assert_false(a.has_session_key);
  r = parse_resp(a.blob);
  assert_int_equal(int(r.neg_state), int(spnego::NegState::kAcceptIncomplete));
  assert_true(r.has_response_token && r.response_token == kApRep);
  assert_true(r.has_mic && r.mech_list_mic == FakeAcceptor::mic_of(list2));
  // Third leg: the client's MIC over the same list: logon done.
  spnego::NegTokenResp mic;
  mic.has_mic = true;
  mic.mech_list_mic = FakeAcceptor::mic_of(list2);
  a = ctx.step(spnego::build_neg_token_resp(mic));
  assert_int_equal(int(a.result), int(ia::SetupResult::kOk));
  assert_true(a.has_session_key);
  assert_int_equal(a.lifetime_s, 300);
  r = parse_resp(a.blob);
  assert_int_equal(int(r.neg_state), int(spnego::NegState::kAcceptCompleted));
}

static void test_krb5_bad_mic(void**) {
  Env e;
  auto mechs = std::vector<std::vector<uint8_t>>{testutil::hex("2b06010401823702021e"), spnego::kOidKrb5};
  AuthContext ctx(e.env);
  ctx.step(spnego::build_client_init(mechs, kApReq));
  // AP-REQ with a wrong MIC in the same leg: logon failure, no key.
  spnego::NegTokenResp leg;
  leg.has_response_token = true;
  leg.response_token = kApReq;
  leg.has_mic = true;
  leg.mech_list_mic = {'M', 'I', 'C', 0};
  auto a = ctx.step(spnego::build_neg_token_resp(leg));
  assert_int_equal(int(a.result), int(ia::SetupResult::kLogonFailure));
  assert_false(a.has_session_key);
  assert_int_equal(g_script.verify_calls, 1);
  // A right MIC in the AP-REQ leg completes at once, with our MIC back.
  g_script = FakeScript{};
  AuthContext ctx2(e.env);
  ctx2.step(spnego::build_client_init(mechs, kApReq));
  leg.mech_list_mic = FakeAcceptor::mic_of(mech_list_der(mechs));
  a = ctx2.step(spnego::build_neg_token_resp(leg));
  assert_int_equal(int(a.result), int(ia::SetupResult::kOk));
  auto r = parse_resp(a.blob);
  assert_int_equal(int(r.neg_state), int(spnego::NegState::kAcceptCompleted));
  assert_true(r.has_mic && r.mech_list_mic == leg.mech_list_mic);
}

static void test_krb5_continue(void**) {
  Env e;
  g_script.cont_first = true;
  AuthContext ctx(e.env);
  auto a = ctx.step(spnego::build_client_init({spnego::kOidKrb5}, kApReq));
  assert_int_equal(int(a.result), int(ia::SetupResult::kMoreProcessing));
  auto r = parse_resp(a.blob);
  assert_int_equal(int(r.neg_state), int(spnego::NegState::kAcceptIncomplete));
  assert_true(r.supported_mech == spnego::kOidKrb5);
  assert_true(r.response_token == std::vector<uint8_t>({1, 2}));
  // A leg without a token is invalid; with one it completes.
  spnego::NegTokenResp leg;
  leg.has_response_token = true;
  leg.response_token = {9};
  a = ctx.step(spnego::build_neg_token_resp(leg));
  assert_int_equal(int(a.result), int(ia::SetupResult::kOk));
  r = parse_resp(a.blob);
  assert_true(r.supported_mech.empty());  // only in the first reply
}

static void test_lifetime_field(void**) {
  ia::SessionSetupAnswer a;
  a.result = ia::SetupResult::kOk;
  a.identity.user = "alice";
  a.identity.uid = 1000;
  a.identity.gid = 1000;
  a.lifetime_s = 4;
  ByteWriter w;
  a.encode(w);
  auto d = ia::SessionSetupAnswer::decode(w.view());
  assert_true(d.has_value());
  assert_int_equal(d->lifetime_s, 4);
  // An answer from before the field (4 bytes shorter) still decodes: 0.
  std::vector<uint8_t> old(w.view().begin(), w.view().end() - 4);
  d = ia::SessionSetupAnswer::decode(old);
  assert_true(d.has_value());
  assert_int_equal(d->lifetime_s, 0);
  // A partial field or trailing bytes are malformed.
  std::vector<uint8_t> partial(w.view().begin(), w.view().end() - 2);
  assert_false(ia::SessionSetupAnswer::decode(partial).has_value());
  std::vector<uint8_t> extra(w.view().begin(), w.view().end());
  extra.push_back(0);
  assert_false(ia::SessionSetupAnswer::decode(extra).has_value());
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_principal_account, reset),
      cmocka_unit_test_setup(test_map_principal, reset),
      cmocka_unit_test_setup(test_optimistic_krb5_logon, reset),
      cmocka_unit_test_setup(test_krb5_off_falls_back_to_ntlm, reset),
      cmocka_unit_test_setup(test_krb5_refused, reset),
      cmocka_unit_test_setup(test_krb5_client_mic, reset),
      cmocka_unit_test_setup(test_krb5_bad_mic, reset),
      cmocka_unit_test_setup(test_krb5_continue, reset),
      cmocka_unit_test_setup(test_lifetime_field, reset),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
