// SPNEGO token parsing: good tokens, and malformed DER of every kind.

#include "smbd-auth/der.h"
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
using testutil::hex;

static void test_server_init_roundtrip(void**) {
  auto b = spnego::build_server_init();
  spnego::NegTokenInit t;
  // The server's NegTokenInit2 has negHints at [3], which a client-side
  // NegTokenInit parser sees as mechListMIC of the wrong type: rejected.
  assert_false(spnego::parse_neg_token_init(b, &t));
  // But its outer structure is well formed, with NTLMSSP as the only mech.
  der::Reader r(b);
  Bytes app = r.expect(der::kApplication0);
  assert_true(r.ok() && r.at_end());
  der::Reader r2(app);
  Bytes oid = r2.expect(der::kOid);
  assert_true(r2.ok());
  assert_true(std::vector<uint8_t>(oid.begin(), oid.end()) == spnego::kOidSpnego);
  assert_int_equal(b[0], 0x60);
}

static void test_client_init_roundtrip(void**) {
  std::vector<uint8_t> tok = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0};
  auto b = spnego::build_client_init({spnego::kOidNtlmssp}, tok);
  auto t = spnego::parse_client_token(b);
  assert_int_equal(int(t.kind), int(spnego::TokenKind::kInit));
  assert_int_equal(t.init.mech_types.size(), 1);
  assert_true(t.init.mech_types[0] == spnego::kOidNtlmssp);
  assert_true(t.init.has_mech_token);
  assert_true(t.init.mech_token == tok);
  assert_false(t.init.has_mic);
  // mechTypes DER is the SEQUENCE OF: 30 0c 06 0a <oid>
  assert_int_equal(t.init.mech_types_der.size(), 14);
  assert_int_equal(t.init.mech_types_der[0], 0x30);
}

static void test_resp_roundtrip(void**) {
  spnego::NegTokenResp r;
  r.neg_state = spnego::NegState::kAcceptIncomplete;
  r.supported_mech = spnego::kOidNtlmssp;
  r.has_response_token = true;
  r.response_token.assign(300, 0x41);  // forces a 2-byte length
  r.has_mic = true;
  r.mech_list_mic.assign(16, 7);
  auto b = spnego::build_neg_token_resp(r);
  auto t = spnego::parse_client_token(b);
  assert_int_equal(int(t.kind), int(spnego::TokenKind::kResp));
  assert_int_equal(int(t.resp.neg_state), 1);
  assert_true(t.resp.supported_mech == spnego::kOidNtlmssp);
  assert_true(t.resp.response_token == r.response_token);
  assert_true(t.resp.mech_list_mic == r.mech_list_mic);
}

static void test_real_smbclient_like_token(void**) {
  // NegTokenResp with only a responseToken and mechListMIC (as the final leg).
  auto b = hex("a11a3018a2080406aabbccddeeffa30c040a01000000000000000000");
  auto t = spnego::parse_client_token(b);
  assert_int_equal(int(t.kind), int(spnego::TokenKind::kResp));
  assert_int_equal(t.resp.response_token.size(), 6);
  assert_int_equal(t.resp.mech_list_mic.size(), 10);
  assert_int_equal(int(t.resp.neg_state), -1);
}

static void test_raw_ntlmssp(void**) {
  std::vector<uint8_t> b = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 3, 0, 0, 0};
  assert_int_equal(int(spnego::parse_client_token(b).kind), int(spnego::TokenKind::kRawNtlmssp));
  std::vector<uint8_t> s = {'N', 'T', 'L', 'M'};
  assert_int_equal(int(spnego::parse_client_token(s).kind), int(spnego::TokenKind::kInvalid));
}

static void test_malformed(void**) {
  auto good = spnego::build_client_init({spnego::kOidNtlmssp}, std::vector<uint8_t>{1, 2, 3});
  // Every truncation fails.
  for (size_t n = 0; n < good.size(); n++) {
    std::vector<uint8_t> t(good.begin(), good.begin() + long(n));
    assert_int_equal(int(spnego::parse_client_token(t).kind), int(spnego::TokenKind::kInvalid));
  }
  // Trailing garbage after the outer element fails.
  auto trail = good;
  trail.push_back(0);
  assert_int_equal(int(spnego::parse_client_token(trail).kind), int(spnego::TokenKind::kInvalid));
  const char* bad[] = {
      "60",                       // no length
      "6080",                     // indefinite length
      "6084ffffffff",             // 4-byte length (too long)
      "6083ffffff0606",           // length past the end
      "60ff",                     // long form with 127 bytes
      "a1053003a0010a",           // negState length past the end
      "a1053003a00104",           // negState of OCTET STRING? (truncated)
      "a106300402000100",         // non-context tag inside NegTokenResp
      "a1083006a1040a020000",     // [1] must be an OID, got ENUMERATED
      "a10a3008a2020400a0020a00", // fields out of order
      "a1073005a0030a0109",       // negState out of range
      "a1053003a4010a",           // unknown field [4]
      "a0053003a0010a",           // a NegTokenInit without the 0x60 wrapper
      "600c06062b0601050502a10200", // wrong choice [1] inside init
      "600e06062b0601050503a0043002a000", // wrong SPNEGO OID
      "601006062b0601050502a0063004a1020300", // no mechTypes
      "601006062b0601050502a0063004a0023001", // mechTypes with truncated element
      "601106062b0601050502a0073005a003300106", // OID with no length
      "a1033001", // sequence length past end
      "bf1f00",   // high tag number form
  };
  for (const char* h : bad) {
    auto b = hex(h);
    auto t = spnego::parse_client_token(b);
    if (t.kind != spnego::TokenKind::kInvalid) fail_msg("accepted malformed token %s", h);
  }
}

// The OIDs in a server NegTokenInit2's mechTypes, in order.
static std::vector<std::vector<uint8_t>> server_mechs(const std::vector<uint8_t>& b) {
  std::vector<std::vector<uint8_t>> out;
  der::Reader r(b);
  der::Reader app(r.expect(der::kApplication0));
  app.expect(der::kOid);
  der::Reader ctx(app.expect(der::context(0)));
  der::Reader seq(ctx.expect(der::kSequence));
  der::Reader f0(seq.expect(der::context(0)));
  der::Reader list(f0.expect(der::kSequence));
  while (list.ok() && !list.at_end()) {
    Bytes o = list.expect(der::kOid);
    out.emplace_back(o.begin(), o.end());
  }
  assert_true(list.ok());
  return out;
}

static void test_server_init_kerberos(void**) {
  auto plain = server_mechs(spnego::build_server_init(false));
  assert_int_equal(plain.size(), 1);
  assert_true(plain[0] == spnego::kOidNtlmssp);
  // With Kerberos: MS krb5, krb5, NTLMSSP (the order Windows servers use).
  auto k = server_mechs(spnego::build_server_init(true));
  assert_int_equal(k.size(), 3);
  assert_true(k[0] == spnego::kOidMsKrb5);
  assert_true(k[1] == spnego::kOidKrb5);
  assert_true(k[2] == spnego::kOidNtlmssp);
  // DER of the OIDs: 1.2.840.113554.1.2.2 and 1.2.840.48018.1.2.2.
  assert_true(spnego::kOidKrb5 == hex("2a864886f712010202"));
  assert_true(spnego::kOidMsKrb5 == hex("2a864882f712010202"));
}

static void test_choose_mech(void**) {
  using spnego::Mech;
  const auto& K = spnego::kOidKrb5;
  const auto& MK = spnego::kOidMsKrb5;
  const auto& N = spnego::kOidNtlmssp;
  std::vector<uint8_t> negoex = hex("2b06010401823702021e");
  // krb5 first and Kerberos on: krb5, echoing the client's OID.
  auto c = spnego::choose_mech({MK, K, N}, true);
  assert_int_equal(int(c.mech), int(Mech::kKrb5));
  assert_true(c.oid == MK && c.preferred);
  c = spnego::choose_mech({K, N}, true);
  assert_true(c.mech == Mech::kKrb5 && c.oid == K && c.preferred);
  // Kerberos off: NTLMSSP, not the client's preferred one.
  c = spnego::choose_mech({MK, K, N}, false);
  assert_true(c.mech == Mech::kNtlmssp && c.oid == N && !c.preferred);
  // NTLMSSP first: NTLMSSP even when krb5 is listed and on.
  c = spnego::choose_mech({N, K}, true);
  assert_true(c.mech == Mech::kNtlmssp && c.preferred);
  // krb5 not first and no NTLMSSP: krb5, not preferred (MIC exchange needed).
  c = spnego::choose_mech({negoex, K}, true);
  assert_true(c.mech == Mech::kKrb5 && c.oid == K && !c.preferred);
  // Nothing we know.
  assert_int_equal(int(spnego::choose_mech({negoex}, true).mech), int(Mech::kNone));
  assert_int_equal(int(spnego::choose_mech({K}, false).mech), int(Mech::kNone));
  assert_int_equal(int(spnego::choose_mech({}, true).mech), int(Mech::kNone));
}

static void test_krb5_client_init(void**) {
  // A NegTokenInit as MIT/Heimdal clients send it: both krb5 OIDs first and
  // an optimistic GSS krb5 token (60 .. 06 09 <krb5 oid> 01 00 <AP-REQ>).
  std::vector<uint8_t> ap = hex("6010 0609 2a864886f712010202 0100 6e0100");
  auto b = spnego::build_client_init({spnego::kOidMsKrb5, spnego::kOidKrb5, spnego::kOidNtlmssp}, ap);
  auto t = spnego::parse_client_token(b);
  assert_int_equal(int(t.kind), int(spnego::TokenKind::kInit));
  assert_int_equal(t.init.mech_types.size(), 3);
  assert_true(t.init.mech_types[0] == spnego::kOidMsKrb5);
  assert_true(t.init.mech_token == ap);
  auto c = spnego::choose_mech(t.init.mech_types, true);
  assert_true(c.mech == spnego::Mech::kKrb5 && c.oid == spnego::kOidMsKrb5);
}

static void test_der_reader_bounds(void**) {
  auto b = hex("04820100aa");  // 256 bytes claimed, 1 present
  der::Reader r(b);
  r.expect(der::kOctetString);
  assert_false(r.ok());
  auto c = hex("0403aabbcc");
  der::Reader r2(c);
  Bytes raw = r2.expect_raw(der::kOctetString, nullptr);
  assert_true(r2.ok());
  assert_int_equal(raw.size(), 5);
  // Writer long forms round-trip.
  std::vector<uint8_t> big(70000, 1);
  auto w = der::wrap(der::kOctetString, big);
  der::Reader r3(w);
  assert_int_equal(r3.expect(der::kOctetString).size(), 70000);
  assert_true(r3.ok() && r3.at_end());
}

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_server_init_roundtrip), cmocka_unit_test(test_client_init_roundtrip),
      cmocka_unit_test(test_resp_roundtrip),        cmocka_unit_test(test_real_smbclient_like_token),
      cmocka_unit_test(test_raw_ntlmssp),           cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_der_reader_bounds),     cmocka_unit_test(test_server_init_kerberos),
      cmocka_unit_test(test_choose_mech),           cmocka_unit_test(test_krb5_client_init),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
