// Unit tests: Microsoft's published SMB 3.1.1 test vectors (Open
// Specifications blog, "SMB 2 and SMB 3 security in Windows 10: the anatomy
// of signing and cryptographic keys", appendices A.1 AES-128-GCM and A.2
// AES-128-CCM, which repeat the vectors of "SMB 3.1.1 Encryption in
// Windows 10"). From the session key and the final preauth integrity hash we
// derive the four keys, check the signed final SESSION_SETUP response, and
// reproduce the encrypted WRITE/READ requests and responses byte for byte in
// both directions, plus the preauth chain of the CCM trace's first messages.
//
// The vectors are written from the client's point of view: the client's
// EncryptionKey is the server's decryption key (SMBC2SCipherKey) and the
// other way round. Microsoft published no AES-GMAC signing or AES-256
// vectors; those algorithms are covered by the generic GCM/GMAC vectors in
// signing_crypto_test and by the round trips below.
#include <string>
#include <vector>

#include "smbd-session/connection.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/keys.h"
#include "smbd-session/negotiate.h"
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
  assert_int_equal(s.size() % 2, 0);
  for (size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(uint8_t(std::stoul(s.substr(i, 2), nullptr, 16)));
  return v;
}
Bytes B(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }

void expect_eq(const std::vector<uint8_t>& got, const std::string& want_hex) {
  auto want = hex(want_hex);
  assert_int_equal(got.size(), want.size());
  assert_memory_equal(got.data(), want.data(), want.size());
}

// One encrypted message of a trace: the whole TRANSFORM (header + ciphertext)
// and the plain SMB2 message inside.
struct Sealed {
  const char* transform;
  const char* plain;
};

struct Trace {
  uint16_t cipher;
  const char* session_key;
  const char* preauth;  // PreauthSession.PreauthIntegrityHashValue at the end
  const char* signing_key;
  const char* c2s_key;  // client EncryptionKey = server decryption key
  const char* s2c_key;  // client DecryptionKey = server encryption key
  const char* app_key;
  const char* final_setup_response;  // signed SESSION_SETUP response
  const char* final_setup_signature;
  Sealed write_req, write_resp, read_req, read_resp;
};

// Appendix A.1, AES-128-GCM, SessionId 0x100000000025.
const Trace kGcm = {
    kAes128Gcm,
    "419FDDF34C1E001909D362AE7FB6AF79",
    "B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9"
    "77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770",
    "8765949DFEAEE105CE9118B45BE988F0",
    "A2F5E80E5D59103034F32E52F698E5EC",
    "748C50868C90F302962A5C35F5F9A8BF",
    "099D610789FBE82055B313601C3E8CC4",
    "FE534D4240000100000000000100800009000000000000000200000000000000FFFE000000000000"
    "25000000001000006B85A4519A0F3EEA35BA946DD3AFE6B80900000048001D00A11B3019A0030A01"
    "00A3120410010000003932A87523AB660100000000",
    "6B85A4519A0F3EEA35BA946DD3AFE6B8",
    {"FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000"
     "0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02"
     "D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4"
     "4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9"
     "1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8",
     "FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000"
     "25000000001000000000000000000000000000000000000031007000170000000000000000000000"
     "0600000004000000010000000400000000000000000000007000000000000000536D623320656E63"
     "72797074696F6E2074657374696E67"},
    {"FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000"
     "00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8"
     "F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B"
     "82E03C9E18A050FF0EA1C967",
     "FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000"
     "25000000001000000000000000000000000000000000000011000000170000000000000000000000"},
    {"FD534D426DAC0B6FD85A3ED42BB917DA38FE0386D7AA8C6D36859243B715E0A60000000071000000"
     "00000100250000000010000088A47BF09CA3C3141CDD7306BE9D9475AB24FCCB833D77461C041F8F"
     "B983D0C188F0729272B31D9D3D0DC6B687C069EEE0CC8EACA2C536D019ACC9E185D1EB630E0FCB79"
     "3EEECEB06D82A1D77706E700DBEBFB4FEB54D7AD2D97E7288804F90757FE4D08D6A84A3FF433E745"
     "1E768E4699",
     "FE534D4240000100000000000800010008000000000000000600000000000000FFFE000001000000"
     "25000000001000000000000000000000000000000000000031000000170000000000000000000000"
     "060000000400000001000000040000000000000000000000000000000000000000"},
    {"FD534D427F714B3B9D8FA1198584E71C2BAA1CB6E16831DD2E8EB7B4000000000000000067000000"
     "000001002500000000100000FECEDF4D03BB11A6CC5D8A53BE33D6D8701986342B4197D306E16F9C"
     "BB218E92F7F8281F51CE68BB85A20D87DE90EBBF80538066D1C37513C0A58D70936D537B624F5500"
     "202A612B6CD30D448A82791A0B2E049ED512AFAEFB06E98AB3D6F931D7D50DB2DBD36A",
     "FE534D4240000100000000000800010001000000000000000600000000000000FFFE000001000000"
     "25000000001000000000000000000000000000000000000011005000170000000000000000000000"
     "536D623320656E6372797074696F6E2074657374696E67"},
};

// Appendix A.2, AES-128-CCM, SessionId 0x100000000021.
const Trace kCcm = {
    kAes128Ccm,
    "07B7F69C1E2581662DF6987E88F9E891",
    "DECF98A420718718F22090D3580FCC5E484BD310FA1268210C6E86335A8891E767F5BCD99FA5A785"
    "9D665AD07A73EA94E1BCDB7CFA69A6962A28A244138340B1",
    "3DCC82C5795AE27F383242761078C59B",
    "DFAAA31AAE40A2485D47AC4DF09FDA1D",
    "95C544AEF6072680DA1CE49A68A97FA6",
    "7A2F0F73EC2D530879B2913BBFCE242F",
    "FE534D4240000100000000000100800009000000000000000200000000000000FFFE000000000000"
    "21000000001000003676196AEE8CA17E5D50A53642EF2BE40900000048001D00A11B3019A0030A01"
    "00A3120410010000000F57444342A2717E00000000",
    "3676196AEE8CA17E5D50A53642EF2BE4",
    {"FD534D42E89551D666DAB8993488F5A97103116C9F6F1EAAD7E9F24AACD38F000000000087000000"
     "00000100210000000010000056A74778199A9D2B6E9C3A376FD88D27680694FED253A313BEB07381"
     "AE8689F973ACDB8D716E4477803BCE53A92E1B81FA3E965AD9AF2C89C08CE66A344664453B8FC881"
     "18EDC9814CF58E92AA465E6EFB09958A9FDAD96FBD55B36A710C30D5E7C64AD7B9449F9F17EDD024"
     "FE8BA79154F340A82740D1D5180C69B0A2DE6A4BA893BD55D3210E",
     "FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000"
     "21000000001000000000000000000000000000000000000031007000170000000000000000000000"
     "0500000004000000010000000400000000000000000000007000000000000000536D623320656E63"
     "72797074696F6E2074657374696E67"},
    {"FD534D42DD33EC41A927DD51476FE887C2D3C136D96831DD2E8EB7B4000000000000000050000000"
     "000001002100000000100000F783157E0F6F1C055D746753CA16D20C21088E2A67564E056C2F68A7"
     "F14F226C3BD809B7A2D52E5FE4ECF49821BC6001733430CF174E2764B3CCB213AAD8BB9FBAF6C15E"
     "13D9120965390E004A96A3F7",
     "FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000"
     "21000000001000000000000000000000000000000000000011000000170000000000000000000000"},
    {"FD534D4235BF9600C841F0CDA9BD1BC3727B7E36A0F92E964EDC3049B86E19000000000071000000"
     "000001002100000000100000C4CCD3EB483A0638E69C99E391E7F64BCC10D6BEE46FEEA258C4BCAF"
     "792CB5A6E69283924081806DAB64827E9D14A5345D5221AB6DAFCB0E89FC2606B63D92163F4F6C93"
     "D1213D86ABF123B93EAD3AEF9A3471EFD68A423A00A6E0064D9AE3C842EFFFAD236A3BF25D37F4CD"
     "054C97DE18",
     "FE534D4240000100000000000800010008000000000000000600000000000000FFFE000001000000"
     "21000000001000000000000000000000000000000000000031000000170000000000000000000000"
     "050000000400000001000000040000000000000000000000000000000000000000"},
    {"FD534D42E241A13C7E1EE42ECF1FD69F3B8668C6DA6831DD2E8EB7B4000000000000000067000000"
     "00000100210000000010000015D67234FC8358D7BA1BF037ABC8EFD41A0A8F9BB04B16DEB1E85606"
     "BD8C2770823FE6239A286CB3E3D5762ABBD53FD8DE11ED491FE905E146A8FFCE09414AB741103D63"
     "7E28B19C6BA759B399DCC21FAE24CF2A455A13B215FC2857ABB513927F9F271D1C208B",
     "FE534D4240000100000000000800010001000000000000000600000000000000FFFE000001000000"
     "21000000001000000000000000000000000000000000000011005000170000000000000000000000"
     "536D623320656E6372797074696F6E2074657374696E67"},
};

void derive(const Trace& t, Session* s) {
  Connection c;
  c.dialect = kSmb311;
  c.cipher = t.cipher;
  // 2015 traces: no signing context, so AES-CMAC, as NEGOTIATE then records.
  c.signing_algorithm = uint16_t(SignAlg::kAesCmac);
  auto sk = hex(t.session_key);
  std::copy(sk.begin(), sk.end(), s->session_key.begin());
  auto ph = hex(t.preauth);
  assert_int_equal(ph.size(), 64);
  std::copy(ph.begin(), ph.end(), s->preauth_hash.begin());
  assert_true(derive_session_keys(c, *s));
}

void check_keys(const Trace& t) {
  Session s;
  derive(t, &s);
  expect_eq(s.signing_key, t.signing_key);
  expect_eq(s.decryption_key, t.c2s_key);
  expect_eq(s.encryption_key, t.s2c_key);
  expect_eq(s.application_key, t.app_key);
  assert_int_equal(s.dialect_signing_alg, uint16_t(SignAlg::kAesCmac));
}

void test_keys_gcm(void**) { check_keys(kGcm); }
void test_keys_ccm(void**) { check_keys(kCcm); }

// The final SESSION_SETUP response as Windows signed it.
void check_setup_signature(const Trace& t) {
  Session s;
  derive(t, &s);
  auto msg = hex(t.final_setup_response);
  Bytes key = B(s.signing_key);
  assert_true(verify_message(SignAlg::kAesCmac, key, B(msg)));
  std::array<uint8_t, 16> sig{};
  assert_true(compute_signature(SignAlg::kAesCmac, key, B(msg), &sig));
  expect_eq(std::vector<uint8_t>(sig.begin(), sig.end()), t.final_setup_signature);
  // Signing our own copy (signature zeroed) reproduces the message exactly.
  auto mine = msg;
  std::fill(mine.begin() + 48, mine.begin() + 64, 0);
  assert_true(sign_message(SignAlg::kAesCmac, key, {mine.data(), mine.size()}));
  assert_memory_equal(mine.data(), msg.data(), msg.size());
  // One flipped bit anywhere fails; so does the other trace's key.
  msg[70] ^= 0x10;
  assert_false(verify_message(SignAlg::kAesCmac, key, B(msg)));
}

void test_setup_signature_gcm(void**) { check_setup_signature(kGcm); }
void test_setup_signature_ccm(void**) { check_setup_signature(kCcm); }

// Seals `plain` with `key` and the nonce/header of `m.transform` and
// compares the whole TRANSFORM byte for byte; then opens it again.
void check_sealed(uint16_t cipher, const std::vector<uint8_t>& key, const Sealed& m) {
  auto want = hex(m.transform);
  auto plain = hex(m.plain);
  assert_true(want.size() == 52 + plain.size());
  // Header fields as MS-SMB2 2.2.41 lays them out.
  ByteReader r(B(want));
  assert_int_equal(r.u32(), smb2::kTransformId);
  r.skip(32);
  assert_int_equal(r.u32(), plain.size());  // OriginalMessageSize
  assert_int_equal(r.u16(), 0);
  assert_int_equal(r.u16(), 1);  // Flags: encrypted
  Bytes nonce = B(want).subspan(20, cipher_nonce_len(cipher));
  Bytes aad = B(want).subspan(20, 32);

  auto data = plain;
  std::array<uint8_t, 16> tag{};
  assert_true(aead_encrypt(cipher, B(key), nonce, aad, {data.data(), data.size()}, &tag));
  assert_memory_equal(tag.data(), want.data() + 4, 16);
  assert_memory_equal(data.data(), want.data() + 52, data.size());

  auto back = std::vector<uint8_t>(want.begin() + 52, want.end());
  assert_true(aead_decrypt(cipher, B(key), nonce, aad, {back.data(), back.size()}, want.data() + 4));
  assert_memory_equal(back.data(), plain.data(), plain.size());

  // A tampered header (AAD: the SessionId) or ciphertext is rejected.
  auto bad_aad = want;
  bad_aad[44] ^= 1;
  back.assign(want.begin() + 52, want.end());
  assert_false(aead_decrypt(cipher, B(key), nonce, B(bad_aad).subspan(20, 32),
                            {back.data(), back.size()}, want.data() + 4));
  back.assign(want.begin() + 52, want.end());
  back[3] ^= 0x80;
  assert_false(aead_decrypt(cipher, B(key), nonce, aad, {back.data(), back.size()}, want.data() + 4));
}

void check_encryption(const Trace& t) {
  Session s;
  derive(t, &s);
  // Requests: what the server decrypts with its decryption key.
  check_sealed(t.cipher, s.decryption_key, t.write_req);
  check_sealed(t.cipher, s.decryption_key, t.read_req);
  // Responses: what the server itself produces with its encryption key.
  check_sealed(t.cipher, s.encryption_key, t.write_resp);
  check_sealed(t.cipher, s.encryption_key, t.read_resp);
}

void test_encryption_gcm(void**) { check_encryption(kGcm); }
void test_encryption_ccm(void**) { check_encryption(kCcm); }

// Appendix A.2's preauth chain for the NEGOTIATE exchange and the first
// SESSION_SETUP request: H(i) = SHA-512(H(i-1) || message), starting at zero.
void test_preauth_chain_ccm(void**) {
  std::array<uint8_t, 64> h{};
  auto neg_req = hex(
      "FE534D4240000100000000000000010000000000000000000000000000000000FFFE000000000000"
      "00000000000000000000000000000000000000000000000024000500010000006600000078EA16AC"
      "6877C34A95F7160F73EA377270000000020000000202100200030203110300000100260000000000"
      "0100200001001A05A92392E1554C072AE7B186EE7DC02CB90BEF2E639CCC94B7A9DC7B3934420000"
      "0200060000000000020001000200");
  assert_true(preauth_update(&h, B(neg_req)));
  expect_eq(std::vector<uint8_t>(h.begin(), h.end()),
            "A3A8A769FEA693B3D037406EF945E115D2B7A4A9318564D2CAAA4B1FE0EC36D8D92A4802619EDCF2"
            "9E2410534D2D3749E71F76ADF5212F959210D291097A6355");
  auto neg_resp = hex(
      "FE534D4240000100000000000000010001000000000000000000000000000000FFFE000000000000"
      "000000000000000000000000000000000000000000000000410001001103020039CBCAF329714942"
      "BDCE5D60F09AB3FB27000000000080000000800000008000D04C8443CCAED00109094AB095AED001"
      "80004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B0601040182"
      "3702021E060A2B06010401823702020AA282010C048201084E45474F455854530100000000000000"
      "60000000700000007F7CC0FD06D6362D02DDE1CF343BFE2973007DCF55CA793E082B7A257DEFE6E8"
      "E18291ABF112C0599108C772F55CBB2A000000000000000060000000010000000000000000000000"
      "5C33530DEAF90D4DB2EC4AE3786EC3084E45474F4558545303000000010000004000000098000000"
      "7F7CC0FD06D6362D02DDE1CF343BFE295C33530DEAF90D4DB2EC4AE3786EC3084000000058000000"
      "3056A05430523027802530233121301F06035504031318546F6B656E205369676E696E6720507562"
      "6C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075"
      "626C6963204B6579010026000000000001002000010088AFA422ECC239CB16F30BA641AE4B6EE79F"
      "5A4AF74FE18A301E9790515D07F70000020004000000000001000100");
  assert_true(preauth_update(&h, B(neg_resp)));
  expect_eq(std::vector<uint8_t>(h.begin(), h.end()),
            "A21419AD43D5A4975326E07142734EADA33D0927738F3C1B05A65B003CCAAAE225B547045260356C"
            "2014A21E0A3DFA9EF7B192C375BFFC5F5E766AC3261F0457");
  auto setup1 = hex(
      "FE534D4240000100000000000100800000000000000000000100000000000000FFFE000000000000"
      "00000000000000000000000000000000000000000000000019000001010000000000000058004A00"
      "0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A"
      "04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000"
      "000F");
  assert_true(preauth_update(&h, B(setup1)));
  expect_eq(std::vector<uint8_t>(h.begin(), h.end()),
            "FD10D68FFBB5D94DD483DE14DC8AF92B4D2D8517A5D245FE091C93050AC56239B3B829F74CB25451"
            "276248F12279DCC027C9B53841A67052A617C32C93CBA8C2");
}

// The same session key and hash with an AES-256 cipher: 32-byte cipher keys
// whose derivation differs from the 128-bit ones (L is an input of the KDF),
// while the signing and application keys stay the published ones.
void test_aes256_keys_differ(void**) {
  for (uint16_t cipher : {kAes256Ccm, kAes256Gcm}) {
    Trace t = kGcm;
    t.cipher = cipher;
    Session s;
    derive(t, &s);
    assert_int_equal(s.encryption_key.size(), 32);
    assert_int_equal(s.decryption_key.size(), 32);
    expect_eq(s.signing_key, kGcm.signing_key);
    auto k128 = hex(kGcm.s2c_key);
    assert_memory_not_equal(s.encryption_key.data(), k128.data(), 16);
    // Round trip through the 256-bit cipher with a published plaintext.
    auto plain = hex(kGcm.write_req.plain);
    auto data = plain;
    std::array<uint8_t, 16> tag{};
    std::vector<uint8_t> nonce(cipher_nonce_len(cipher), 7), aad(32, 1);
    assert_true(aead_encrypt(cipher, B(s.encryption_key), B(nonce), B(aad), {data.data(), data.size()}, &tag));
    assert_memory_not_equal(data.data(), plain.data(), plain.size());
    assert_true(aead_decrypt(cipher, B(s.encryption_key), B(nonce), B(aad), {data.data(), data.size()}, tag.data()));
    assert_memory_equal(data.data(), plain.data(), plain.size());
    // A 16-byte key is not silently accepted for a 256-bit cipher.
    data = plain;
    assert_false(aead_encrypt(cipher, B(k128), B(nonce), B(aad), {data.data(), data.size()}, &tag));
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keys_gcm),          cmocka_unit_test(test_keys_ccm),
      cmocka_unit_test(test_setup_signature_gcm), cmocka_unit_test(test_setup_signature_ccm),
      cmocka_unit_test(test_encryption_gcm),    cmocka_unit_test(test_encryption_ccm),
      cmocka_unit_test(test_preauth_chain_ccm), cmocka_unit_test(test_aes256_keys_differ),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
