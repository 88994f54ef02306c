// Known-answer tests for the NTLM crypto primitives.

#include <cstring>
#include <string>

#include "common/crypto/des.h"
#include "common/crypto/desl.h"
#include "common/crypto/md4.h"
#include "common/crypto/md5.h"
#include "common/crypto/rc4.h"
#include "smbd-auth/ntlm_server.h"
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

static Bytes str(const char* s) { return {reinterpret_cast<const uint8_t*>(s), strlen(s)}; }

static void test_md4_rfc1320(void**) {
  struct { const char* in; const char* out; } v[] = {
      {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
      {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
      {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
      {"message digest", "d9130a8164549fe818874806e1c7014b"},
      {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "043f8582f241db351ce627e153e7f0e4"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "e33b4ddc9c38f2199c3e7b164fcc0536"},
  };
  for (auto& t : v) {
    auto d = crypto::md4(str(t.in));
    auto want = hex(t.out);
    assert_memory_equal(d.data(), want.data(), 16);
  }
  // Incremental updates across block boundaries give the same digest.
  const char* s = v[6].in;
  crypto::Md4 m;
  for (size_t i = 0; i < strlen(s); i += 7) m.update(str(s).subspan(i, std::min<size_t>(7, strlen(s) - i)));
  uint8_t out[16];
  m.final(out);
  assert_memory_equal(out, hex(v[6].out).data(), 16);
}

static void test_rc4(void**) {
  std::vector<uint8_t> d(str("Plaintext").begin(), str("Plaintext").end());
  crypto::Rc4 r(str("Key"));
  r.crypt(d);
  assert_memory_equal(d.data(), hex("bbf316e8d940af0ad3").data(), 9);
  std::vector<uint8_t> p(str("pedia").begin(), str("pedia").end());
  crypto::Rc4 r2(str("Wiki"));
  r2.crypt(p);
  assert_memory_equal(p.data(), hex("1021bf0420").data(), 5);
}

static void test_hmac_md5_rfc2202(void**) {
  uint8_t out[16];
  std::vector<uint8_t> k1(16, 0x0b);
  assert_true(crypto::hmac_md5(k1, {str("Hi There")}, out));
  assert_memory_equal(out, hex("9294727a3638bb1c13f48ef8158bfc9d").data(), 16);
  assert_true(crypto::hmac_md5(str("Jefe"), {str("what do ya "), str("want for nothing?")}, out));
  assert_memory_equal(out, hex("750c783e6ab0b503eaa86e310a5db738").data(), 16);
  std::vector<uint8_t> k3(16, 0xaa), d3(50, 0xdd);
  assert_true(crypto::hmac_md5(k3, {Bytes(d3)}, out));
  assert_memory_equal(out, hex("56be34521d144c88dbb8c733f0e8b3f6").data(), 16);
  // 80-byte key is hashed first.
  std::vector<uint8_t> k6(80, 0xaa);
  assert_true(crypto::hmac_md5(k6, {str("Test Using Larger Than Block-Size Key - Hash Key First")}, out));
  assert_memory_equal(out, hex("6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd").data(), 16);
}

static void test_md5(void**) {
  uint8_t out[16];
  assert_true(crypto::md5({str("a"), str("bc")}, out));
  assert_memory_equal(out, hex("900150983cd24fb0d6963f7d28e17f72").data(), 16);
}

static void test_nt_hash(void**) {
  assert_memory_equal(crypto::nt_hash("password").data(),
                      hex("8846f7eaee8fb117ad06bdd830b7586c").data(), 16);
  // MS-NLMP 4.2.1: NTOWFv1("Password")
  assert_memory_equal(crypto::nt_hash("Password").data(),
                      hex("a4f49c406510bdcab6824ee7c30fd852").data(), 16);
  // Different password, different hash (the test can fail).
  assert_memory_not_equal(crypto::nt_hash("Password").data(),
                          crypto::nt_hash("password").data(), 16);
}

// MS-NLMP 4.2.4: NTLMv2 with User/Domain/Password, server challenge
// 0123456789abcdef, client challenge aa*8, time 0, target info
// {NbDomainName "Domain", NbComputerName "Server"}.
static void test_ntlmv2_vectors(void**) {
  auto nth = crypto::nt_hash("Password");
  uint8_t owf[16];
  assert_true(crypto::ntowf_v2(nth.view(), "User", "Domain", owf));
  assert_memory_equal(owf, hex("0c868a403bfd7a93a3001ef22ef02e3f").data(), 16);
  // User name is upper-cased: "user" gives the same key.
  uint8_t owf2[16];
  assert_true(crypto::ntowf_v2(nth.view(), "user", "Domain", owf2));
  assert_memory_equal(owf, owf2, 16);
  // Non-ASCII letters are upper-cased too ("jos\u00e9" == "JOS\u00c9").
  uint8_t u1[16], u2[16], u3[16];
  assert_true(crypto::ntowf_v2(nth.view(), "jos\xc3\xa9", "D", u1));
  assert_true(crypto::ntowf_v2(nth.view(), "JOS\xc3\x89", "D", u2));
  assert_true(crypto::ntowf_v2(nth.view(), "JOSE", "D", u3));
  assert_memory_equal(u1, u2, 16);
  assert_memory_not_equal(u1, u3, 16);

  ByteWriter temp;
  temp.u8(1); temp.u8(1); temp.zeros(6);
  temp.u64(0);
  temp.bytes(hex("aaaaaaaaaaaaaaaa"));
  temp.zeros(4);
  auto dom = utf8_to_utf16le("Domain"), srv = utf8_to_utf16le("Server");
  temp.u16(2); temp.u16(uint16_t(dom.size())); temp.bytes(dom);
  temp.u16(1); temp.u16(uint16_t(srv.size())); temp.bytes(srv);
  temp.u32(0);
  temp.u32(0);
  uint8_t proof[16];
  auto chal = hex("0123456789abcdef");
  assert_true(auth::ntlmv2_proof({owf, 16}, chal, temp.view(), proof));
  assert_memory_equal(proof, hex("68cd0ab851e51c96aabc927bebef6a1c").data(), 16);
  uint8_t sbk[16];
  assert_true(crypto::hmac_md5({owf, 16}, {Bytes(proof, 16)}, sbk));
  assert_memory_equal(sbk, hex("8de40ccadbc14a82f15cb0ad0de95ca3").data(), 16);
}

// Single DES known answers: FIPS 81's "Now is t", the worked example of the
// FIPS 46 key schedule, the first variable-plaintext and variable-key entries
// of NBS SP 500-20, and one more (checked with pycryptodome).
static void test_des(void**) {
  struct { const char* key; const char* in; const char* out; } v[] = {
      {"0123456789abcdef", "4e6f772069732074", "3fa40e8a984d4815"},
      {"133457799bbcdff1", "0123456789abcdef", "85e813540f0ab405"},
      {"0101010101010101", "8000000000000000", "95f8a5e5dd31d900"},
      {"0101010101010101", "0000000000000001", "166b40b44aba4bd6"},
      {"8001010101010101", "0000000000000000", "95a8d72813daa94d"},
      {"fedcba9876543210", "0123456789abcdef", "ed39d950fa74bcc4"},
  };
  for (auto& t : v) {
    uint8_t out[8];
    crypto::des_encrypt_block(hex(t.key).data(), hex(t.in).data(), out);
    assert_memory_equal(out, hex(t.out).data(), 8);
  }
  // Parity bits are ignored: flipping every low bit gives the same result.
  uint8_t a[8], b[8];
  auto k = hex("0123456789abcdef");
  crypto::des_encrypt_block(k.data(), hex("4e6f772069732074").data(), a);
  for (auto& x : k) x ^= 1;
  crypto::des_encrypt_block(k.data(), hex("4e6f772069732074").data(), b);
  assert_memory_equal(a, b, 8);
  // In place.
  auto blk = hex("4e6f772069732074");
  crypto::des_encrypt_block(hex("0123456789abcdef").data(), blk.data(), blk.data());
  assert_memory_equal(blk.data(), hex("3fa40e8a984d4815").data(), 8);

  // 56-bit keys: 7 bits to a byte, most significant first, low bit zero.
  uint8_t k8[8];
  crypto::des_expand_key56(hex("ffffffffffffff").data(), k8);
  assert_memory_equal(k8, hex("fefefefefefefefe").data(), 8);
  crypto::des_expand_key56(hex("80000000000001").data(), k8);
  assert_memory_equal(k8, hex("8000000000000002").data(), 8);
  crypto::des_expand_key56(hex("0123456789abcd").data(), k8);
  assert_memory_equal(k8, hex("0090d0ac784cae9a").data(), 8);
}

// MS-NLMP 4.2.2 (NTLMv1) and 4.2.3 (NTLMv1 with client challenge, i.e.
// extended session security): User/Domain/"Password", server challenge
// 0123456789abcdef, client challenge aa*8.
static void test_ntlmv1_vectors(void**) {
  auto nth = crypto::nt_hash("Password");
  auto chal = hex("0123456789abcdef");
  auto cc = hex("aaaaaaaaaaaaaaaa");
  uint8_t resp[24];
  assert_true(crypto::desl(nth.view(), chal, resp));
  assert_memory_equal(resp, hex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94").data(), 24);
  // SessionBaseKey = MD4(NTOWFv1).
  auto sbk = crypto::md4(nth.view());
  assert_memory_equal(sbk.data(), hex("d87262b0cde4b1cb7499becccdf10784").data(), 16);

  uint8_t h[16];
  assert_true(crypto::md5({Bytes(chal), Bytes(cc)}, h));
  assert_true(crypto::desl(nth.view(), {h, 8}, resp));
  assert_memory_equal(resp, hex("7537f803ae367128ca458204bde7caf81e97ed2683267232").data(), 24);
  // KXKEY with extended session security (MS-NLMP 4.2.3.1.2).
  uint8_t kx[16];
  assert_true(crypto::hmac_md5(Bytes(sbk), {Bytes(chal), Bytes(cc)}, kx));
  assert_memory_equal(kx, hex("eb93429a8bd952f8b89c55b87f475edc").data(), 16);

  // Wrong sizes are refused.
  assert_false(crypto::desl(nth.view().subspan(0, 15), chal, resp));
  assert_false(crypto::desl(nth.view(), Bytes(chal).subspan(0, 7), resp));
}

static void test_equal_ct(void**) {
  uint8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 5};
  assert_true(crypto::equal_ct({a, 4}, {a, 4}));
  assert_false(crypto::equal_ct({a, 4}, {b, 4}));
  assert_false(crypto::equal_ct({a, 4}, {a, 3}));
}

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_md4_rfc1320), cmocka_unit_test(test_rc4),
      cmocka_unit_test(test_hmac_md5_rfc2202), cmocka_unit_test(test_md5),
      cmocka_unit_test(test_nt_hash), cmocka_unit_test(test_ntlmv2_vectors),
      cmocka_unit_test(test_des), cmocka_unit_test(test_ntlmv1_vectors),
      cmocka_unit_test(test_equal_ct),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
