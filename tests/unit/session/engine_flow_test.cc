// Unit tests: the engine end to end on synthetic PDUs (no sockets, helpers
// stubbed): SMB1 -> SMB2 negotiation, negotiate rules, the credit window
// enforcement, session setup (3.1.1 final response signed), tree connect
// errors, compound chaining/padding and error responses for bad ids.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "smbd-session/connection.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/engine.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/identity.h"
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

// ---- stubs for what the engine calls outside this test's scope ----
namespace cifsd::session {

bool helper_hello(Connection&, ipc::master::Role) { return true; }
NtStatus auth_neg_token(Connection&, std::vector<uint8_t>* blob) {
  *blob = {0x60, 0x00};
  return status::kSuccess;
}
// Two legs: the first answers "more processing", the second succeeds.
NtStatus auth_session_setup(Connection&, const ipc::auth::SessionSetup& req,
                            ipc::auth::SessionSetupAnswer* ans) {
  if (req.context == 0) {
    ans->result = ipc::auth::SetupResult::kMoreProcessing;
    ans->context = 77;
    ans->blob = {1, 2, 3};
    return status::kSuccess;
  }
  if (req.context != 77) return status::kInternalError;
  ans->result = ipc::auth::SetupResult::kOk;
  ans->identity.user = "tester";
  ans->identity.uid = 1001;
  ans->identity.gid = 1001;
  ans->has_session_key = true;
  for (int i = 0; i < 16; i++) ans->session_key[i] = uint8_t(i);
  return status::kSuccess;
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

std::unique_ptr<Connection> new_conn() {
  auto c = std::make_unique<Connection>();
  auto r = parse_config_text("[global]\n[share]\npath = /tmp\n", "test");
  c->config = std::move(*r.config);
  c->client_ip = "127.0.0.1";
  return c;
}

struct Cmd {
  uint16_t command;
  uint64_t mid;
  std::vector<uint8_t> body;
  uint32_t flags = 0;
  uint64_t session = 0;
  uint32_t tree = 0;
  uint16_t charge = 1;
};

std::vector<uint8_t> pdu(const std::vector<Cmd>& cmds) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < cmds.size(); i++) {
    size_t at = out.size();
    ByteWriter w(out);
    Smb2Header h;
    h.command = cmds[i].command;
    h.message_id = cmds[i].mid;
    h.flags = cmds[i].flags;
    h.session_id = cmds[i].session;
    h.tree_id = cmds[i].tree;
    h.credits = 10;
    h.credit_charge = cmds[i].charge;
    write_smb2_header(w, h);
    w.bytes({cmds[i].body.data(), cmds[i].body.size()});
    if (i + 1 < cmds.size()) {
      w.align(8);
      w.patch_u32(at + 20, uint32_t(out.size() - at));
    }
  }
  return out;
}

struct Resp {
  Smb2Header h;
  std::vector<uint8_t> msg;  // header + body (+ padding)
};

// Runs one frame; returns the responses (split) and the engine result.
EngineResult run(Connection& c, const std::vector<uint8_t>& p, std::vector<Resp>* out) {
  std::vector<uint8_t> frame;
  EngineResult r = process_frame(c, 0, {p.data(), p.size()}, &frame);
  out->clear();
  if (frame.empty()) return r;
  FrameHeader fh;
  assert_true(parse_frame_header({frame.data(), 4}, &fh));
  assert_int_equal(fh.length, frame.size() - 4);
  std::vector<Bytes> msgs;
  bool split_ok = split_compound({frame.data() + 4, frame.size() - 4}, &msgs);
  if (!split_ok) {
    for (size_t i = 4; i < frame.size(); i++) fprintf(stderr, "%02x%s", frame[i], (i - 3) % 32 ? "" : "\n");
    fprintf(stderr, "\n");
  }
  assert_true(split_ok);
  for (Bytes m : msgs) {
    Resp rr;
    assert_true(parse_smb2_header(m, &rr.h));
    rr.msg.assign(m.begin(), m.end());
    out->push_back(rr);
  }
  return r;
}

std::vector<uint8_t> echo_body() { return {4, 0, 0, 0}; }

std::vector<uint8_t> negotiate_body(std::vector<uint16_t> dialects, bool contexts) {
  std::vector<uint8_t> b;
  ByteWriter w(b);
  w.u16(36);
  w.u16(uint16_t(dialects.size()));
  w.u16(1);  // signing enabled
  w.u16(0);
  w.u32(0x7F);
  w.zeros(16);
  size_t ctx_off_at = w.reserve(4);
  size_t ctx_cnt_at = w.reserve(2);
  w.u16(0);
  for (auto d : dialects) w.u16(d);
  if (contexts) {
    while ((64 + b.size()) % 8) w.u8(0);
    w.patch_u32(ctx_off_at, uint32_t(64 + b.size()));
    w.patch_u16(ctx_cnt_at, 2);
    w.u16(1); w.u16(38); w.u32(0); w.u16(1); w.u16(32); w.u16(1); w.zeros(32);  // preauth
    while ((64 + b.size()) % 8) w.u8(0);
    w.u16(8); w.u16(4); w.u32(0); w.u16(1); w.u16(1);  // signing: AES-CMAC
  }
  return b;
}

std::vector<uint8_t> session_setup_body(std::vector<uint8_t> blob) {
  std::vector<uint8_t> b;
  ByteWriter w(b);
  w.u16(25);
  w.u8(0);
  w.u8(1);
  w.u32(0);
  w.u32(0);
  w.u16(64 + 24);
  w.u16(uint16_t(blob.size()));
  w.u64(0);
  w.bytes({blob.data(), blob.size()});
  return b;
}

std::vector<uint8_t> tree_connect_body(const std::string& path) {
  std::vector<uint8_t> b;
  ByteWriter w(b);
  w.u16(9);
  w.u16(0);
  w.u16(64 + 8);
  std::vector<uint8_t> u;
  for (char ch : path) { u.push_back(uint8_t(ch)); u.push_back(0); }
  w.u16(uint16_t(u.size()));
  w.bytes({u.data(), u.size()});
  return b;
}

// Negotiates 3.1.1 (through the SMB1 path first) and sets up a session.
uint64_t negotiate_and_login(Connection& c) {
  std::vector<uint8_t> smb1(32, 0);
  smb1[0] = 0xFF; smb1[1] = 'S'; smb1[2] = 'M'; smb1[3] = 'B'; smb1[4] = 0x72;
  std::string d = std::string("\x02NT LM 0.12", 11) + '\0' + "\x02SMB 2.002" + '\0' + "\x02SMB 2.???" + '\0';
  smb1.push_back(0);
  smb1.push_back(uint8_t(d.size()));
  smb1.push_back(0);
  smb1.insert(smb1.end(), d.begin(), d.end());
  std::vector<Resp> r;
  assert_int_equal(int(run(c, smb1, &r)), int(EngineResult::kContinue));
  assert_int_equal(r.size(), 1);
  assert_int_equal(r[0].h.command, smb2::kNegotiate);
  ByteReader nr({r[0].msg.data() + 64, r[0].msg.size() - 64});
  nr.skip(4);
  assert_int_equal(nr.u16(), smb2::kDialectWildcard);
  assert_int_equal(c.dialect, 0);

  auto p = pdu({{smb2::kNegotiate, 1, negotiate_body({0x202, 0x210, 0x300, 0x302, 0x311}, true)}});
  assert_int_equal(int(run(c, p, &r)), int(EngineResult::kContinue));
  assert_int_equal(r.size(), 1);
  assert_int_equal(r[0].h.status, status::kSuccess);
  assert_int_equal(c.dialect, kSmb311);
  assert_true(r[0].h.credits >= 1);

  p = pdu({{smb2::kSessionSetup, 2, session_setup_body({9, 9})}});
  run(c, p, &r);
  assert_int_equal(r[0].h.status, status::kMoreProcessingRequired);
  uint64_t sid = r[0].h.session_id;
  assert_true(sid != 0);
  assert_false(r[0].h.flags & smb2::kFlagSigned);
  p = pdu({{smb2::kSessionSetup, 3, session_setup_body({8, 8}), 0, sid}});
  run(c, p, &r);
  assert_int_equal(r[0].h.status, status::kSuccess);
  // 3.1.1: the final SESSION_SETUP response is signed with the new key.
  assert_true(r[0].h.flags & smb2::kFlagSigned);
  Session& s = *c.sessions.at(sid);
  assert_true(crypto::verify_message(crypto::SignAlg::kAesCmac, s.signing_key,
                                     {r[0].msg.data(), r[0].msg.size()}));
  return sid;
}

void test_negotiate_and_session(void**) {
  auto c = new_conn();
  negotiate_and_login(*c);
  // A second NEGOTIATE drops the connection.
  std::vector<Resp> r;
  auto p = pdu({{smb2::kNegotiate, 4, negotiate_body({0x311}, true)}});
  assert_int_equal(int(run(*c, p, &r)), int(EngineResult::kDisconnect));
}

void test_before_negotiate(void**) {
  auto c = new_conn();
  std::vector<Resp> r;
  auto p = pdu({{smb2::kEcho, 0, echo_body()}});
  assert_int_equal(int(run(*c, p, &r)), int(EngineResult::kDisconnect));
  // No common dialect: NOT_SUPPORTED, and the connection may retry.
  c = new_conn();
  p = pdu({{smb2::kNegotiate, 0, negotiate_body({0x0400}, false)}});
  assert_int_equal(int(run(*c, p, &r)), int(EngineResult::kContinue));
  assert_int_equal(r[0].h.status, status::kNotSupported);
}

void test_credit_window(void**) {
  auto c = new_conn();
  uint64_t sid = negotiate_and_login(*c);
  std::vector<Resp> r;
  auto p = pdu({{smb2::kEcho, 4, echo_body(), 0, sid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kSuccess);
  // Replayed MessageId: the connection is dropped.
  assert_int_equal(int(run(*c, p, &r)), int(EngineResult::kDisconnect));
  // Far beyond the granted window.
  c = new_conn();
  sid = negotiate_and_login(*c);
  p = pdu({{smb2::kEcho, 100000, echo_body(), 0, sid}});
  assert_int_equal(int(run(*c, p, &r)), int(EngineResult::kDisconnect));
}

void test_bad_ids_and_tree(void**) {
  auto c = new_conn();
  uint64_t sid = negotiate_and_login(*c);
  std::vector<Resp> r;
  uint64_t mid = 4;
  // Unknown session
  auto p = pdu({{smb2::kTreeConnect, mid++, tree_connect_body("\\\\srv\\share"), 0, sid + 1000}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kUserSessionDeleted);
  assert_int_equal(r[0].msg.size(), 64 + 9);  // the 9-byte error body
  // Unknown share
  p = pdu({{smb2::kTreeConnect, mid++, tree_connect_body("\\\\srv\\nosuch"), smb2::kFlagSigned, sid}});
  // unsigned request on a session that does not require signing: fine
  p[16] &= uint8_t(~smb2::kFlagSigned);
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kBadNetworkName);
  // Malformed path
  p = pdu({{smb2::kTreeConnect, mid++, tree_connect_body("share"), 0, sid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kBadNetworkName);
  // IPC$ works
  p = pdu({{smb2::kTreeConnect, mid++, tree_connect_body("\\\\srv\\IPC$"), 0, sid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kSuccess);
  uint32_t tid = r[0].h.tree_id;
  assert_true(tid != 0);
  assert_int_equal(r[0].msg[64 + 2], smb2::kShareTypePipe);
  // Unknown tree
  p = pdu({{smb2::kTreeDisconnect, mid++, {4, 0, 0, 0}, 0, sid, tid + 5}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kNetworkNameDeleted);
  // Unknown file id on CLOSE
  std::vector<uint8_t> close_body(24, 0);
  close_body[0] = 24;
  p = pdu({{smb2::kClose, mid++, close_body, 0, sid, tid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kFileClosed);
  // Wrong StructureSize
  p = pdu({{smb2::kEcho, mid++, {6, 0, 0, 0}, 0, sid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kInvalidParameter);
  // A bad signature is refused
  p = pdu({{smb2::kEcho, mid++, echo_body(), smb2::kFlagSigned, sid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kAccessDenied);
  // A good one is accepted and the response signed
  p = pdu({{smb2::kEcho, mid++, echo_body(), 0, sid}});
  Session& s = *c->sessions.at(sid);
  assert_true(crypto::sign_message(crypto::SignAlg::kAesCmac, s.signing_key, {p.data(), p.size()}));
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kSuccess);
  assert_true(crypto::verify_message(crypto::SignAlg::kAesCmac, s.signing_key,
                                     {r[0].msg.data(), r[0].msg.size()}));
}

void test_compound(void**) {
  auto c = new_conn();
  uint64_t sid = negotiate_and_login(*c);
  std::vector<Resp> r;
  // ECHO, then an unknown command (related), then a related CLOSE with the
  // placeholder id: INVALID_PARAMETER for the unknown one, FILE_CLOSED for
  // the CLOSE, responses chained and padded to 8 bytes.
  std::vector<uint8_t> close_body(24, 0xFF);
  close_body[0] = 24; close_body[1] = 0;
  auto p = pdu({{smb2::kEcho, 4, echo_body(), 0, sid},
                {0xFF, 5, echo_body(), smb2::kFlagRelated, sid},
                {smb2::kClose, 6, close_body, smb2::kFlagRelated, sid}});
  assert_int_equal(int(run(*c, p, &r)), int(EngineResult::kContinue));
  assert_int_equal(r.size(), 3);
  assert_int_equal(r[0].h.status, status::kSuccess);
  assert_int_equal(r[0].msg.size() % 8, 0);
  assert_int_equal(r[0].h.next_command, r[0].msg.size());
  assert_int_equal(r[1].h.status, status::kInvalidParameter);
  assert_true(r[1].h.flags & smb2::kFlagRelated);
  // The inherited session has no tree 0: the related CLOSE fails on the tree.
  assert_int_equal(r[2].h.status, status::kNetworkNameDeleted);
  assert_int_equal(r[2].h.next_command, 0);
  // The first request marked related is invalid.
  p = pdu({{smb2::kEcho, 7, echo_body(), smb2::kFlagRelated, sid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kInvalidParameter);
  // A misaligned NextCommand drops the connection.
  p = pdu({{smb2::kEcho, 8, echo_body(), 0, sid}, {smb2::kEcho, 9, echo_body(), 0, sid}});
  p[20] = 68;
  assert_int_equal(int(run(*c, p, &r)), int(EngineResult::kDisconnect));
}

void test_cancel_and_logoff(void**) {
  auto c = new_conn();
  uint64_t sid = negotiate_and_login(*c);
  std::vector<Resp> r;
  // CANCEL gets no response and consumes no MessageId.
  auto p = pdu({{smb2::kCancel, 4, {4, 0, 0, 0}, 0, sid}});
  run(*c, p, &r);
  assert_int_equal(r.size(), 0);
  p = pdu({{smb2::kLogoff, 4, {4, 0, 0, 0}, 0, sid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kSuccess);
  assert_int_equal(c->sessions.count(sid), 0);
  p = pdu({{smb2::kLogoff, 5, {4, 0, 0, 0}, 0, sid}});
  run(*c, p, &r);
  assert_int_equal(r[0].h.status, status::kUserSessionDeleted);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_negotiate_and_session), cmocka_unit_test(test_before_negotiate),
      cmocka_unit_test(test_credit_window),         cmocka_unit_test(test_bad_ids_and_tree),
      cmocka_unit_test(test_compound),              cmocka_unit_test(test_cancel_and_logoff),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
