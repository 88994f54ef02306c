// Unit tests: TRANSFORM (encrypted) requests through the engine
// (MS-SMB2 3.3.5.2.1.1). Microsoft's published AES-128-GCM WRITE request is
// accepted and answered encrypted under the session's key; malformed
// TRANSFORM headers drop the connection without an answer: too short, wrong
// Flags, OriginalMessageSize not matching what follows, unknown or
// unauthenticated session, tampered tag, no cipher negotiated, a decrypted
// payload that is not an SMB2 message. In-place work: a TRANSFORM is
// decrypted in the caller's buffer by process_frame_in_place (not by
// process_frame), and encrypting into a reserved header gap equals the
// insert-then-encrypt path.
#include <cstring>
#include <string>
#include <vector>

#include "smbd-session/connection.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/engine.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/keys.h"
#include "smbd-session/negotiate.h"
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

// ---- auth/rpc stand-ins (never reached: the session is made by hand) ----
namespace cifsd::session {
bool helper_hello(Connection&, ipc::master::Role) { return true; }
NtStatus auth_neg_token(Connection&, std::vector<uint8_t>*) { return status::kInternalError; }
NtStatus auth_session_setup(Connection&, const ipc::auth::SessionSetup&, ipc::auth::SessionSetupAnswer*) {
  return status::kInternalError;
}
void auth_release(Connection&, uint64_t) {}
NtStatus rpc_open(Connection&, const std::string&, const std::string&, uint32_t*) { return status::kPipeBroken; }
NtStatus rpc_write(Connection&, uint32_t, Bytes) { return status::kPipeBroken; }
NtStatus rpc_read(Connection&, uint32_t, uint32_t, std::vector<uint8_t>*) { return status::kPipeBroken; }
NtStatus rpc_transceive(Connection&, uint32_t, Bytes, uint32_t, std::vector<uint8_t>*) {
  return status::kPipeBroken;
}
void rpc_close(Connection&, uint32_t) {}
}  // namespace cifsd::session

namespace {

std::vector<uint8_t> hex(const std::string& s) {
  std::vector<uint8_t> v;
  for (size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(uint8_t(std::stoul(s.substr(i, 2), nullptr, 16)));
  return v;
}
Bytes B(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }

constexpr uint64_t kSid = 0x100000000025ull;

// The AES-128-GCM WRITE request of Microsoft's 3.1.1 test vectors (session
// key and preauth hash below), as it came on the wire after the NetBIOS header.
const char* kWriteTransform =
    "FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000"
    "0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02"
    "D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4"
    "4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9"
    "1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8";

// A 3.1.1 connection with AES-128-GCM and the vectors' session, authenticated.
std::unique_ptr<Connection> new_conn(uint16_t cipher = crypto::kAes128Gcm) {
  auto c = std::make_unique<Connection>();
  auto r = parse_config_text("[global]\n[share]\npath = /tmp\n", "test");
  c->config = std::move(*r.config);
  c->client_ip = "127.0.0.1";
  c->dialect = kSmb311;
  c->cipher = cipher;
  c->credits.grant(64);
  auto s = std::make_unique<Session>();
  s->id = kSid;
  auto sk = hex("419FDDF34C1E001909D362AE7FB6AF79");
  std::copy(sk.begin(), sk.end(), s->session_key.begin());
  auto ph = hex(
      "B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9"
      "77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770");
  std::copy(ph.begin(), ph.end(), s->preauth_hash.begin());
  s->has_key = true;
  if (cipher) assert_true(derive_session_keys(*c, *s));
  s->identity.user = "tester";
  s->identity.uid = 1001;
  s->identity.gid = 1001;
  s->state = Session::State::kValid;
  c->sessions[kSid] = std::move(s);
  return c;
}

// Runs one frame; the engine result and what it would send.
EngineResult run(Connection& c, const std::vector<uint8_t>& payload, std::vector<uint8_t>* out) {
  out->clear();
  return process_frame(c, kNbSessionMessage, B(payload), out);
}

void expect_drop(Connection& c, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out;
  assert_int_equal(int(run(c, payload, &out)), int(EngineResult::kDisconnect));
  assert_int_equal(out.size(), 0);
}

// Seals `plain` for the server the way a client does (its EncryptionKey is
// the server's decryption key).
std::vector<uint8_t> seal(const Session& s, uint16_t cipher, const std::vector<uint8_t>& plain,
                          uint64_t sid, uint8_t nonce_byte) {
  std::vector<uint8_t> t;
  ByteWriter w(t);
  w.u32(smb2::kTransformId);
  w.zeros(16);
  std::vector<uint8_t> nonce(16, 0);
  for (size_t i = 0; i < crypto::cipher_nonce_len(cipher); i++) nonce[i] = uint8_t(nonce_byte + i);
  w.raw(nonce.data(), 16);
  w.u32(uint32_t(plain.size()));
  w.u16(0);
  w.u16(1);
  w.u64(sid);
  t.insert(t.end(), plain.begin(), plain.end());
  std::array<uint8_t, 16> tag{};
  assert_true(crypto::aead_encrypt(cipher, B(s.decryption_key), {t.data() + 20, crypto::cipher_nonce_len(cipher)},
                                   {t.data() + 20, 32}, {t.data() + 52, plain.size()}, &tag));
  std::memcpy(t.data() + 4, tag.data(), 16);
  return t;
}

std::vector<uint8_t> echo(uint64_t mid, uint64_t sid) {
  std::vector<uint8_t> v;
  ByteWriter w(v);
  Smb2Header h;
  h.command = smb2::kEcho;
  h.message_id = mid;
  h.session_id = sid;
  h.credits = 1;
  write_smb2_header(w, h);
  w.u16(4);
  w.u16(0);
  return v;
}

// Opens the server's encrypted answer like a client and returns the SMB2 message.
std::vector<uint8_t> open_answer(const Session& s, uint16_t cipher, const std::vector<uint8_t>& frame) {
  assert_true(frame.size() > 4 + 52 + 64);
  FrameHeader fh;
  assert_true(parse_frame_header({frame.data(), 4}, &fh));
  assert_int_equal(fh.length, frame.size() - 4);
  const uint8_t* t = frame.data() + 4;
  ByteReader r({t, frame.size() - 4});
  assert_int_equal(r.u32(), smb2::kTransformId);
  r.skip(32);
  uint32_t orig = r.u32();
  r.skip(2);
  assert_int_equal(r.u16(), 1);
  assert_int_equal(r.u64(), s.id);
  assert_int_equal(orig, frame.size() - 4 - 52);
  std::vector<uint8_t> plain(t + 52, t + 52 + orig);
  // The server encrypts with its encryption key = the client's DecryptionKey.
  assert_true(crypto::aead_decrypt(cipher, B(s.encryption_key), {t + 20, crypto::cipher_nonce_len(cipher)},
                                   {t + 20, 32}, {plain.data(), plain.size()}, t + 4));
  return plain;
}

// Microsoft's encrypted WRITE is decrypted and dispatched: it names tree 1,
// which this connection does not have, so the answer is an encrypted
// STATUS_NETWORK_NAME_DELETED for MessageId 5 of that session.
void test_published_request_accepted(void**) {
  auto c = new_conn();
  std::vector<uint8_t> out;
  assert_int_equal(int(run(*c, hex(kWriteTransform), &out)), int(EngineResult::kContinue));
  Session& s = *c->sessions.at(kSid);
  auto plain = open_answer(s, crypto::kAes128Gcm, out);
  Smb2Header h;
  assert_true(parse_smb2_header(B(plain), &h));
  assert_int_equal(h.command, smb2::kWrite);
  assert_int_equal(h.message_id, 5);
  assert_int_equal(h.session_id, kSid);
  assert_int_equal(h.status, status::kNetworkNameDeleted);
  assert_true(h.flags & smb2::kFlagResponse);
  // The same message again: MessageId 5 is used up, so the connection drops.
  expect_drop(*c, hex(kWriteTransform));
}

// Our own sealed ECHO round-trips through the engine for every cipher.
void test_roundtrip_all_ciphers(void**) {
  for (uint16_t cipher : {crypto::kAes128Ccm, crypto::kAes128Gcm, crypto::kAes256Ccm, crypto::kAes256Gcm}) {
    auto c = new_conn(cipher);
    Session& s = *c->sessions.at(kSid);
    std::vector<uint8_t> out;
    assert_int_equal(int(run(*c, seal(s, cipher, echo(1, kSid), kSid, 0x10), &out)), int(EngineResult::kContinue));
    auto plain = open_answer(s, cipher, out);
    Smb2Header h;
    assert_true(parse_smb2_header(B(plain), &h));
    assert_int_equal(h.command, smb2::kEcho);
    assert_int_equal(h.status, status::kSuccess);
  }
}

void test_short(void**) {
  auto c = new_conn();
  auto t = hex(kWriteTransform);
  for (size_t n : {size_t(4), size_t(20), size_t(51), size_t(52), size_t(52 + 63)}) {
    auto p = std::vector<uint8_t>(t.begin(), t.begin() + ptrdiff_t(n));
    expect_drop(*new_conn(), p);
  }
  // The intact message still works on a fresh connection (the drops above were
  // for the truncation, not something else).
  std::vector<uint8_t> out;
  assert_int_equal(int(run(*c, t, &out)), int(EngineResult::kContinue));
}

void test_wrong_flags(void**) {
  for (uint16_t flags : {0x0000, 0x0002, 0x0101, 0xFFFF}) {
    auto t = hex(kWriteTransform);
    t[42] = uint8_t(flags);
    t[43] = uint8_t(flags >> 8);
    expect_drop(*new_conn(), t);
  }
}

void test_original_size_lies(void**) {
  for (uint32_t size : {0u, 63u, 64u, 0x86u, 0x88u, 0x1000u, 0xFFFFFFFFu}) {
    auto t = hex(kWriteTransform);
    for (int i = 0; i < 4; i++) t[36 + i] = uint8_t(size >> (8 * i));
    expect_drop(*new_conn(), t);
  }
  // Extra bytes after the message the size announces.
  auto t = hex(kWriteTransform);
  t.push_back(0);
  expect_drop(*new_conn(), t);
}

void test_unknown_or_unauthenticated_session(void**) {
  auto t = hex(kWriteTransform);
  t[44] ^= 1;  // SessionId
  expect_drop(*new_conn(), t);
  auto c = new_conn();
  c->sessions.at(kSid)->state = Session::State::kInProgress;
  expect_drop(*c, hex(kWriteTransform));
  // A guest session has no keys: nothing it could have encrypted.
  auto g = new_conn();
  Session& s = *g->sessions.at(kSid);
  s.decryption_key.clear();
  s.session_flags = smb2::kSessionFlagGuest;
  expect_drop(*g, hex(kWriteTransform));
}

void test_tampered(void**) {
  for (size_t pos : {size_t(4), size_t(19), size_t(20), size_t(52), size_t(100), size_t(186)}) {
    auto t = hex(kWriteTransform);
    t[pos] ^= 0x01;
    expect_drop(*new_conn(), t);
  }
}

void test_no_cipher_or_old_dialect(void**) {
  auto c = new_conn(0);
  expect_drop(*c, hex(kWriteTransform));
  auto d = new_conn();
  d->dialect = kSmb210;
  expect_drop(*d, hex(kWriteTransform));
  // Before NEGOTIATE.
  auto e = new_conn();
  e->dialect = 0;
  expect_drop(*e, hex(kWriteTransform));
}

// A correctly sealed payload that is not an SMB2 message (a nested
// TRANSFORM, SMB1, garbage) is dropped too.
void test_inner_not_smb2(void**) {
  auto c0 = new_conn();
  const Session& s0 = *c0->sessions.at(kSid);
  auto nested = seal(s0, crypto::kAes128Gcm, echo(1, kSid), kSid, 0x20);
  std::vector<std::vector<uint8_t>> inners = {nested, std::vector<uint8_t>(80, 0xAB)};
  auto smb1 = echo(1, kSid);
  smb1[0] = 0xFF;
  inners.push_back(smb1);
  for (auto& inner : inners) {
    auto c = new_conn();
    expect_drop(*c, seal(*c->sessions.at(kSid), crypto::kAes128Gcm, inner, kSid, 0x30));
  }
}

// The decrypted request names another session than the TRANSFORM's: not
// processed with the decrypting session's rights.
void test_inner_session_mismatch(void**) {
  auto c = new_conn();
  auto other = std::make_unique<Session>();
  other->id = 0x777;
  other->state = Session::State::kValid;
  c->sessions[0x777] = std::move(other);
  Session& s = *c->sessions.at(kSid);
  std::vector<uint8_t> out;
  assert_int_equal(int(run(*c, seal(s, crypto::kAes128Gcm, echo(1, 0x777), kSid, 0x40), &out)),
                   int(EngineResult::kContinue));
  auto plain = open_answer(s, crypto::kAes128Gcm, out);
  Smb2Header h;
  assert_true(parse_smb2_header(B(plain), &h));
  assert_int_equal(h.status, status::kAccessDenied);
}

// The transport hands the engine its receive buffer: the TRANSFORM is
// decrypted where it lies (the plaintext request is in the buffer after the
// 52-byte header afterwards), for every cipher, and answered correctly.
void test_decrypt_in_place(void**) {
  for (uint16_t cipher : {crypto::kAes128Ccm, crypto::kAes128Gcm, crypto::kAes256Ccm, crypto::kAes256Gcm}) {
    auto c = new_conn(cipher);
    Session& s = *c->sessions.at(kSid);
    auto req = echo(1, kSid);
    auto sealed = seal(s, cipher, req, kSid, 0x50);
    assert_memory_not_equal(sealed.data() + 52, req.data(), req.size());
    std::vector<uint8_t> out;
    assert_int_equal(int(process_frame_in_place(*c, kNbSessionMessage, {sealed.data(), sealed.size()}, &out)),
                     int(EngineResult::kContinue));
    assert_memory_equal(sealed.data() + 52, req.data(), req.size());
    auto plain = open_answer(s, cipher, out);
    Smb2Header h;
    assert_true(parse_smb2_header(B(plain), &h));
    assert_int_equal(h.command, smb2::kEcho);
    assert_int_equal(h.status, status::kSuccess);
  }
}

// process_frame on a const buffer never writes to it (it decrypts a copy).
void test_const_buffer_untouched(void**) {
  auto c = new_conn();
  Session& s = *c->sessions.at(kSid);
  const auto sealed = seal(s, crypto::kAes128Gcm, echo(1, kSid), kSid, 0x60);
  const auto before = sealed;
  std::vector<uint8_t> out;
  assert_int_equal(int(process_frame(*c, kNbSessionMessage, B(sealed), &out)), int(EngineResult::kContinue));
  assert_true(sealed == before);
  assert_true(out.size() > 4 + 52 + 64);
}

// Encrypting into a reserved TRANSFORM gap gives exactly the bytes of the
// insert-then-encrypt path (same nonce counter), for every cipher; a frame
// too short to hold the gap is refused.
void test_encrypt_reserved_matches(void**) {
  for (uint16_t cipher : {crypto::kAes128Ccm, crypto::kAes128Gcm, crypto::kAes256Ccm, crypto::kAes256Gcm}) {
    auto c = new_conn(cipher);
    Session& s = *c->sessions.at(kSid);
    std::vector<uint8_t> msgs = echo(7, kSid);
    msgs.resize(5000, 0x5A);  // something longer than one AES block run
    std::vector<uint8_t> a = {9, 9};  // bytes before the frame stay alone
    size_t at = a.size();
    a.resize(at + 4);
    a.insert(a.end(), msgs.begin(), msgs.end());
    std::vector<uint8_t> b = {9, 9};
    b.resize(at + 4 + smb2::kTransformHeaderSize);
    b.insert(b.end(), msgs.begin(), msgs.end());
    c->enc_nonce_counter = 41;
    assert_true(encrypt_frame(*c, s, &a, at));
    c->enc_nonce_counter = 41;
    assert_true(encrypt_reserved_frame(*c, s, &b, at));
    assert_int_equal(a.size(), b.size());
    assert_true(a == b);
    assert_int_equal(b[0], 9);
    put_frame_header(&b, at, b.size() - at - 4);
    b.erase(b.begin(), b.begin() + ptrdiff_t(at));
    auto plain = open_answer(s, cipher, b);
    assert_true(plain == msgs);
  }
  auto c = new_conn();
  std::vector<uint8_t> tiny(4 + smb2::kTransformHeaderSize - 1, 0);
  assert_false(encrypt_reserved_frame(*c, *c->sessions.at(kSid), &tiny, 0));
}

// A READ's body is written straight into the frame after a header
// placeholder. In an encrypted compound [ECHO, READ, ECHO] whose READ fails
// (no tree), the chain still comes out well formed: each NextCommand is a
// multiple of 8 and points at the next header, the READ carries the 9-byte
// error body, and the ECHOs around it succeed.
void test_compound_with_direct_read(void**) {
  auto c = new_conn();
  Session& s = *c->sessions.at(kSid);
  auto pad8 = [](std::vector<uint8_t> m) {
    while (m.size() % 8) m.push_back(0);
    return m;
  };
  std::vector<uint8_t> read;
  {
    ByteWriter w(read);
    Smb2Header h;
    h.command = smb2::kRead;
    h.message_id = 2;
    h.session_id = kSid;
    h.tree_id = 7;  // not connected
    h.credits = 1;
    write_smb2_header(w, h);
    w.u16(49);
    w.u8(0);
    w.u8(0);
    w.u32(4096);  // Length
    w.u64(0);     // Offset
    w.u64(1);     // FileId
    w.u64(1);
    w.u32(0);     // MinimumCount
    w.u32(0);     // Channel
    w.u32(0);     // RemainingBytes
    w.u16(0);
    w.u16(0);
    w.u8(0);
  }
  std::vector<std::vector<uint8_t>> msgs = {pad8(echo(1, kSid)), pad8(read), echo(3, kSid)};
  std::vector<uint8_t> pdu;
  for (size_t i = 0; i < msgs.size(); i++) {
    auto m = msgs[i];
    if (i + 1 < msgs.size()) {
      uint32_t next = uint32_t(m.size());
      for (int k = 0; k < 4; k++) m[20 + k] = uint8_t(next >> (8 * k));
    }
    pdu.insert(pdu.end(), m.begin(), m.end());
  }
  std::vector<uint8_t> out;
  assert_int_equal(int(run(*c, seal(s, crypto::kAes128Gcm, pdu, kSid, 0x70), &out)),
                   int(EngineResult::kContinue));
  auto plain = open_answer(s, crypto::kAes128Gcm, out);
  std::vector<Bytes> parts;
  assert_true(split_compound(B(plain), &parts));
  assert_int_equal(parts.size(), 3);
  const uint16_t cmds[] = {smb2::kEcho, smb2::kRead, smb2::kEcho};
  for (size_t i = 0; i < 3; i++) {
    Smb2Header h;
    assert_true(parse_smb2_header(parts[i], &h));
    assert_int_equal(h.command, cmds[i]);
    assert_int_equal(h.message_id, i + 1);
    assert_true(h.flags & smb2::kFlagResponse);
    if (i < 2) assert_int_equal(h.next_command % 8, 0);
    if (i == 1) {
      assert_int_equal(h.status, status::kNetworkNameDeleted);
      ByteReader r(parts[i].subspan(smb2::kHeaderSize));
      assert_int_equal(r.u16(), 9);  // the error body
    } else {
      assert_int_equal(h.status, status::kSuccess);
    }
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_published_request_accepted),
      cmocka_unit_test(test_roundtrip_all_ciphers),
      cmocka_unit_test(test_short),
      cmocka_unit_test(test_wrong_flags),
      cmocka_unit_test(test_original_size_lies),
      cmocka_unit_test(test_unknown_or_unauthenticated_session),
      cmocka_unit_test(test_tampered),
      cmocka_unit_test(test_no_cipher_or_old_dialect),
      cmocka_unit_test(test_inner_not_smb2),
      cmocka_unit_test(test_inner_session_mismatch),
      cmocka_unit_test(test_decrypt_in_place),
      cmocka_unit_test(test_const_buffer_untouched),
      cmocka_unit_test(test_encrypt_reserved_matches),
      cmocka_unit_test(test_compound_with_direct_read),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
