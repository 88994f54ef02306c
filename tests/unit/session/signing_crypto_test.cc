// Unit tests: SMB2/3 MACs, the SP800-108 KDF (SMB 3.0 vectors from
// Microsoft's "Encryption in SMB 3.0" test data), message signing and the
// 3.1.1 preauth chain.
#include <string>
#include <vector>

#include "smbd-session/connection.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/keys.h"
#include "smbd-session/pdu.h"
#include "smbd-session/smb2_types.h"

// cmocka last: it defines macros (skip) that clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}
#undef skip

using namespace cifsd;
using namespace cifsd::session;
using namespace cifsd::session::crypto;

namespace {

std::vector<uint8_t> hex(const std::string& s) {
  std::vector<uint8_t> v;
  for (size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(uint8_t(std::stoul(s.substr(i, 2), nullptr, 16)));
  return v;
}
Bytes B(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }
Bytes S(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

void test_hmac_sha256(void**) {
  // RFC 4231 test case 2
  std::array<uint8_t, 32> out{};
  assert_true(hmac_sha256(S("Jefe"), {S("what do ya want "), S("for nothing?")}, &out));
  auto want = hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  assert_memory_equal(out.data(), want.data(), 32);
}

void test_aes_cmac(void**) {
  // RFC 4493 examples 1 and 2
  auto key = hex("2b7e151628aed2a6abf7158809cf4f3c");
  std::array<uint8_t, 16> out{};
  assert_true(aes_cmac(B(key), {}, &out));
  auto want = hex("bb1d6929e95937287fa37d129b756746");
  assert_memory_equal(out.data(), want.data(), 16);
  auto msg = hex("6bc1bee22e409f96e93d7e117393172a");
  assert_true(aes_cmac(B(key), B(msg), &out));
  want = hex("070a16b46b4d4144f79bdd9dd04a287c");
  assert_memory_equal(out.data(), want.data(), 16);
  // A wrong-size key is refused, not truncated
  assert_false(aes_cmac(B(msg).first(8), B(msg), &out));
}

void test_aes_gmac(void**) {
  // GCM spec test case 1 (no data) and a NIST CAVS AAD-only vector
  std::vector<uint8_t> zero16(16, 0), zero12(12, 0);
  std::array<uint8_t, 16> out{};
  assert_true(aes_gmac(B(zero16), B(zero12), {}, &out));
  auto want = hex("58e2fccefa7e3061367f1d57a4e7455a");
  assert_memory_equal(out.data(), want.data(), 16);
  auto key = hex("77be63708971c4e240d1cb79e8d77feb");
  auto iv = hex("e0e00f19fed7ba0136a797f3");
  auto aad = hex("7a43ec1d9c0a5a78a0b16533a6213cab");
  assert_true(aes_gmac(B(key), B(iv), B(aad), &out));
  want = hex("209fcc8d3675ed938e9c7166709dd946");
  assert_memory_equal(out.data(), want.data(), 16);
}

void test_kdf_smb30_vectors(void**) {
  auto sk = hex("B4546771B515F766A86735532DD6C4F0");
  auto label = std::string("SMB2AESCCM") + '\0';
  // The client's encryption key is the server's decryption key ("ServerIn ").
  auto in = kdf(B(sk), S(label), S(std::string("ServerIn ") + '\0'), 128);
  auto want_in = hex("261B72350558F2E9DCF613070383EDBF");
  assert_int_equal(in.size(), 16);
  assert_memory_equal(in.data(), want_in.data(), 16);
  auto out = kdf(B(sk), S(label), S(std::string("ServerOut") + '\0'), 128);
  auto want_out = hex("8FE2B57EC34D2DB5B1A9727F526BBDB5");
  assert_memory_equal(out.data(), want_out.data(), 16);
  // 256-bit output: the first half differs from the 128-bit one (L is in the input)
  auto k256 = kdf(B(sk), S(label), S(std::string("ServerOut") + '\0'), 256);
  assert_int_equal(k256.size(), 32);
  assert_memory_not_equal(k256.data(), out.data(), 16);
}

void test_derive_session_keys(void**) {
  Connection c;
  Session s;
  auto sk = hex("B4546771B515F766A86735532DD6C4F0");
  std::copy(sk.begin(), sk.end(), s.session_key.begin());
  c.dialect = kSmb300;
  assert_true(derive_session_keys(c, s));
  auto want_in = hex("261B72350558F2E9DCF613070383EDBF");
  auto want_out = hex("8FE2B57EC34D2DB5B1A9727F526BBDB5");
  assert_memory_equal(s.decryption_key.data(), want_in.data(), 16);
  assert_memory_equal(s.encryption_key.data(), want_out.data(), 16);
  assert_int_equal(s.dialect_signing_alg, uint16_t(SignAlg::kAesCmac));
  c.dialect = kSmb210;
  assert_true(derive_session_keys(c, s));
  assert_memory_equal(s.signing_key.data(), sk.data(), 16);
  assert_int_equal(s.dialect_signing_alg, uint16_t(SignAlg::kHmacSha256));
  // 3.1.1: the preauth hash is the context, so it changes the keys
  c.dialect = kSmb311;
  c.signing_algorithm = 2;
  assert_true(derive_session_keys(c, s));
  auto k1 = s.signing_key;
  s.preauth_hash[0] ^= 1;
  assert_true(derive_session_keys(c, s));
  assert_memory_not_equal(k1.data(), s.signing_key.data(), 16);
  assert_int_equal(s.dialect_signing_alg, uint16_t(SignAlg::kAesGmac));
}

std::vector<uint8_t> message(uint16_t cmd, uint32_t flags, uint64_t mid) {
  std::vector<uint8_t> v;
  ByteWriter w(v);
  Smb2Header h;
  h.command = cmd;
  h.flags = flags;
  h.message_id = mid;
  h.session_id = 5;
  write_smb2_header(w, h);
  w.str("some body bytes");
  return v;
}

void test_sign_verify(void**) {
  auto key = hex("000102030405060708090a0b0c0d0e0f");
  for (SignAlg alg : {SignAlg::kHmacSha256, SignAlg::kAesCmac, SignAlg::kAesGmac}) {
    auto m = message(smb2::kRead, smb2::kFlagResponse, 9);
    assert_true(sign_message(alg, B(key), {m.data(), m.size()}));
    assert_true(m[16] & smb2::kFlagSigned);
    assert_true(verify_message(alg, B(key), B(m)));
    // Any flipped bit fails: body, header, signature
    for (size_t pos : {size_t(70), size_t(24), size_t(50)}) {
      auto t = m;
      t[pos] ^= 0x01;
      assert_false(verify_message(alg, B(key), B(t)));
    }
    // Wrong key
    auto k2 = key;
    k2[0] ^= 1;
    assert_false(verify_message(alg, B(k2), B(m)));
  }
  // GMAC binds the direction (response flag) and CANCEL into the nonce:
  // the same bytes signed as request and as response differ.
  auto req = message(smb2::kRead, 0, 9);
  std::array<uint8_t, 16> a{}, b{};
  assert_true(compute_signature(SignAlg::kAesGmac, B(key), B(req), &a));
  std::vector<uint8_t> nonce(12, 0);
  nonce[0] = 9;
  std::vector<uint8_t> zeroed = req;
  std::array<uint8_t, 16> direct{};
  assert_true(aes_gmac(B(key), B(nonce), B(zeroed), &direct));
  assert_memory_equal(a.data(), direct.data(), 16);
  nonce[8] = 1;  // "sent by the server"
  auto resp = req;
  resp[16] |= smb2::kFlagResponse;
  assert_true(compute_signature(SignAlg::kAesGmac, B(key), B(resp), &b));
  assert_true(aes_gmac(B(key), B(nonce), B(resp), &direct));
  assert_memory_equal(b.data(), direct.data(), 16);
  auto cancel = message(smb2::kCancel, 0, 9);
  nonce[8] = 2;
  assert_true(compute_signature(SignAlg::kAesGmac, B(key), B(cancel), &b));
  assert_true(aes_gmac(B(key), B(nonce), B(cancel), &direct));
  assert_memory_equal(b.data(), direct.data(), 16);
  // Too short to be a message
  assert_false(verify_message(SignAlg::kAesCmac, B(key), B(req).first(40)));
}

void test_preauth_chain(void**) {
  std::array<uint8_t, 64> h{};
  assert_true(preauth_update(&h, S("abc")));
  // SHA-512(64 zero bytes || "abc"), computed independently with Python hashlib
  auto want = hex(
      "7682b6b84c6f692545a896ad210299bcc6f74e189d829e165739b11dd83b6f2c"
      "8cfacf27e812bf064df756d6235ac33c062b89ecb80f8215516dbbb844ce8480");
  assert_memory_equal(h.data(), want.data(), 64);
  std::array<uint8_t, 64> h2 = h;
  assert_true(preauth_update(&h2, S("d")));
  assert_memory_not_equal(h.data(), h2.data(), 64);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hmac_sha256),       cmocka_unit_test(test_aes_cmac),
      cmocka_unit_test(test_aes_gmac),          cmocka_unit_test(test_kdf_smb30_vectors),
      cmocka_unit_test(test_derive_session_keys), cmocka_unit_test(test_sign_verify),
      cmocka_unit_test(test_preauth_chain),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
