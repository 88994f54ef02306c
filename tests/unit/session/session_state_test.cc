// Unit tests: session lifetime through the engine, with an injected clock
// and a scripted auth helper: "session expiry" (requests fail with
// STATUS_NETWORK_SESSION_EXPIRED, LOGOFF still works), re-authentication
// (same user: valid again with the same keys; another user: refused and the
// session ends), PreviousSessionId in the same connection, the master's
// "log off your session" note (only for the same, non-guest user) and the
// session id layout that lets the master route that note.
#include <cstring>
#include <string>
#include <vector>

#include "common/ipc/master_proto.h"
#include "smbd-session/connection.h"
#include "smbd-session/engine.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/negotiate.h"
#include "smbd-session/pdu.h"
#include "smbd-session/session_expiry.h"
#include "smbd-session/session_reconnect.h"
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

namespace {
int64_t g_now = 1000000;
int64_t fake_clock() { return g_now; }
// Who the next completed logon is.
std::string g_user = "alice";
uint32_t g_uid = 1001;
bool g_guest = false;
uint8_t g_key_byte = 1;
}  // namespace

// ---- helper stand-ins: a two-leg logon as g_user ----
namespace cifsd::session {
bool helper_hello(Connection&, ipc::master::Role) { return true; }
NtStatus auth_neg_token(Connection&, std::vector<uint8_t>* blob) {
  *blob = {0x60, 0x00};
  return status::kSuccess;
}
NtStatus auth_session_setup(Connection&, const ipc::auth::SessionSetup& req,
                            ipc::auth::SessionSetupAnswer* ans) {
  if (req.context == 0) {
    ans->result = ipc::auth::SetupResult::kMoreProcessing;
    ans->context = 77;
    ans->blob = {1, 2, 3};
    return status::kSuccess;
  }
  ans->result = ipc::auth::SetupResult::kOk;
  ans->identity.user = g_user;
  ans->identity.uid = g_uid;
  ans->identity.gid = g_uid;
  ans->identity.guest = g_guest;
  ans->has_session_key = !g_guest;
  for (int i = 0; i < 16; i++) ans->session_key[i] = uint8_t(g_key_byte + i);
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

std::unique_ptr<Connection> new_conn(const char* global = "") {
  auto c = std::make_unique<Connection>();
  auto r = parse_config_text(std::string("[global]\n") + global + "[share]\npath = /tmp\n", "test");
  assert_true(r.config.has_value());
  c->config = std::move(*r.config);
  c->client_ip = "127.0.0.1";
  c->connection_id = 0x123456;
  c->dialect = kSmb302;  // no preauth chain to model; keys by the 3.0 KDF
  c->credits.grant(1000);
  return c;
}

uint64_t g_mid = 1;

// Sends one request; returns the response header (status etc.).
Smb2Header send(Connection& c, uint16_t cmd, const std::vector<uint8_t>& body, uint64_t sid,
                uint32_t tid = 0) {
  std::vector<uint8_t> p;
  ByteWriter w(p);
  Smb2Header h;
  h.command = cmd;
  h.message_id = g_mid++;
  h.session_id = sid;
  h.tree_id = tid;
  h.credits = 1;
  h.credit_charge = 1;
  write_smb2_header(w, h);
  w.bytes({body.data(), body.size()});
  std::vector<uint8_t> out;
  assert_int_equal(int(process_frame(c, kNbSessionMessage, {p.data(), p.size()}, &out)),
                   int(EngineResult::kContinue));
  Smb2Header rh;
  assert_true(out.size() >= 4 + 64);
  assert_true(parse_smb2_header({out.data() + 4, out.size() - 4}, &rh));
  return rh;
}

std::vector<uint8_t> setup_body(uint64_t previous = 0) {
  std::vector<uint8_t> b;
  ByteWriter w(b);
  w.u16(25);
  w.u8(0);
  w.u8(1);
  w.u32(0);
  w.u32(0);
  w.u16(64 + 24);
  w.u16(2);
  w.u64(previous);
  w.u8(9);
  w.u8(9);
  return b;
}

std::vector<uint8_t> tree_body() {
  std::string path = "\\\\srv\\share";
  std::vector<uint8_t> b;
  ByteWriter w(b);
  w.u16(9);
  w.u16(0);
  w.u16(64 + 8);
  w.u16(uint16_t(path.size() * 2));
  for (char ch : path) {
    w.u8(uint8_t(ch));
    w.u8(0);
  }
  return b;
}
const std::vector<uint8_t> kLogoff = {4, 0, 0, 0};

// Two-leg SESSION_SETUP; sid 0 creates a session. Returns the final status.
NtStatus login(Connection& c, uint64_t* sid, uint64_t previous = 0) {
  Smb2Header r = send(c, smb2::kSessionSetup, setup_body(previous), *sid);
  if (r.status != status::kMoreProcessingRequired) return r.status;
  *sid = r.session_id;
  return send(c, smb2::kSessionSetup, setup_body(previous), *sid).status;
}

void reset_identity() {
  g_user = "alice";
  g_uid = 1001;
  g_guest = false;
  g_key_byte = 1;
}

void test_expiry_and_reauth(void**) {
  reset_identity();
  set_session_clock_for_test(fake_clock);
  auto c = new_conn("session expiry = 10\n");
  uint64_t sid = 0;
  assert_int_equal(login(*c, &sid), status::kSuccess);
  Smb2Header t = send(*c, smb2::kTreeConnect, tree_body(), sid);
  assert_int_equal(t.status, status::kSuccess);
  uint32_t tid = t.tree_id;
  auto key = c->sessions.at(sid)->signing_key;
  // Before the lifetime ends: fine.
  g_now += 9999;
  assert_int_equal(send(*c, smb2::kTreeConnect, tree_body(), sid).status, status::kSuccess);
  // After: everything but LOGOFF/CLOSE/LOCK is refused, the trees stay.
  g_now += 2;
  assert_int_equal(send(*c, smb2::kTreeConnect, tree_body(), sid).status, status::kNetworkSessionExpired);
  assert_int_equal(send(*c, smb2::kTreeDisconnect, kLogoff, sid, tid).status, status::kNetworkSessionExpired);
  assert_true(c->sessions.at(sid)->state == Session::State::kExpired);
  assert_int_equal(c->sessions.at(sid)->trees.count(tid), 1);
  // Re-authentication as the same user (with a new NTLM session key): valid
  // again, same keys, a fresh lifetime.
  g_key_byte = 0x40;
  assert_int_equal(login(*c, &sid), status::kSuccess);
  assert_true(c->sessions.at(sid)->state == Session::State::kValid);
  assert_memory_equal(c->sessions.at(sid)->signing_key.data(), key.data(), key.size());
  assert_int_equal(send(*c, smb2::kTreeDisconnect, kLogoff, sid, tid).status, status::kSuccess);
  g_now += 10001;
  assert_int_equal(send(*c, smb2::kTreeConnect, tree_body(), sid).status, status::kNetworkSessionExpired);
  // An expired session keeps its signing rules: an unsigned LOGOFF is refused
  // when signing is required...
  c->sessions.at(sid)->signing_required = true;
  assert_int_equal(send(*c, smb2::kLogoff, kLogoff, sid).status, status::kAccessDenied);
  assert_int_equal(c->sessions.count(sid), 1);
  // ...and otherwise LOGOFF of an expired session works.
  c->sessions.at(sid)->signing_required = false;
  assert_int_equal(send(*c, smb2::kLogoff, kLogoff, sid).status, status::kSuccess);
  assert_int_equal(c->sessions.count(sid), 0);
  set_session_clock_for_test(nullptr);
}

// What an expired session may still do: LOGOFF, CLOSE and unlocking LOCKs.
std::vector<uint8_t> lock_body(std::vector<uint32_t> flags) {
  std::vector<uint8_t> b(24 + 24 * flags.size(), 0);
  b[0] = 48;
  b[2] = uint8_t(flags.size());
  for (size_t i = 0; i < flags.size(); i++) std::memcpy(&b[24 + 24 * i + 16], &flags[i], 4);
  return b;
}

void test_expired_session_may(void**) {
  std::vector<uint8_t> none;
  assert_true(expired_session_may(smb2::kLogoff, none));
  assert_true(expired_session_may(smb2::kClose, none));
  assert_false(expired_session_may(smb2::kRead, none));
  assert_false(expired_session_may(smb2::kCreate, none));
  auto unlock = lock_body({0x4});
  auto two_unlocks = lock_body({0x4, 0x4});
  auto lock = lock_body({0x2 | 0x10});
  auto mixed = lock_body({0x4, 0x1});
  assert_true(expired_session_may(smb2::kLock, unlock));
  assert_true(expired_session_may(smb2::kLock, two_unlocks));
  assert_false(expired_session_may(smb2::kLock, lock));
  assert_false(expired_session_may(smb2::kLock, mixed));
  // A count larger than the elements sent, or none at all: refused.
  auto short_body = unlock;
  short_body[2] = 3;
  assert_false(expired_session_may(smb2::kLock, short_body));
  assert_false(expired_session_may(smb2::kLock, lock_body({})));
}

void test_no_expiry_by_default(void**) {
  reset_identity();
  set_session_clock_for_test(fake_clock);
  auto c = new_conn();
  uint64_t sid = 0;
  assert_int_equal(login(*c, &sid), status::kSuccess);
  g_now += 1000LL * 3600 * 24 * 365;
  assert_int_equal(send(*c, smb2::kTreeConnect, tree_body(), sid).status, status::kSuccess);
  set_session_clock_for_test(nullptr);
}

// As on Windows (smbtorture smb2.session.reauth2-4): the session takes the
// new identity and keeps its keys.
void test_reauth_other_user(void**) {
  reset_identity();
  auto c = new_conn();
  uint64_t sid = 0;
  assert_int_equal(login(*c, &sid), status::kSuccess);
  std::vector<uint8_t> key = c->sessions.at(sid)->signing_key;
  g_user = "bob";
  g_uid = 1002;
  g_key_byte = 2;  // a fresh session key that must not replace the first one
  uint64_t same = sid;
  assert_int_equal(login(*c, &same), status::kSuccess);
  assert_true(same == sid);
  assert_int_equal(c->sessions.count(sid), 1);
  assert_int_equal(c->sessions.at(sid)->identity.uid, 1002);
  assert_true(c->sessions.at(sid)->signing_key == key);
}

void test_session_id_names_connection(void**) {
  reset_identity();
  auto c = new_conn();
  uint64_t sid = 0;
  assert_int_equal(login(*c, &sid), status::kSuccess);
  assert_int_equal(ipc::master::connection_of_session(sid), 0x123456);
  uint64_t sid2 = 0;
  assert_int_equal(login(*c, &sid2), status::kSuccess);
  assert_true(sid2 != sid);
  assert_int_equal(ipc::master::connection_of_session(sid2), 0x123456);
}

void test_previous_session_same_connection(void**) {
  reset_identity();
  auto c = new_conn();
  uint64_t old_sid = 0;
  assert_int_equal(login(*c, &old_sid), status::kSuccess);
  // A new session of the same user naming the old one ends it.
  uint64_t new_sid = 0;
  assert_int_equal(login(*c, &new_sid, old_sid), status::kSuccess);
  assert_int_equal(c->sessions.count(old_sid), 0);
  assert_int_equal(c->sessions.count(new_sid), 1);
  // Another user naming it does not.
  g_user = "bob";
  g_uid = 1002;
  uint64_t bob_sid = 0;
  assert_int_equal(login(*c, &bob_sid, new_sid), status::kSuccess);
  assert_int_equal(c->sessions.count(new_sid), 1);
  // Nor does a guest naming a guest session.
  g_guest = true;
  g_uid = 65534;
  uint64_t g1 = 0, g2 = 0;
  assert_int_equal(login(*c, &g1), status::kSuccess);
  assert_int_equal(login(*c, &g2, g1), status::kSuccess);
  assert_int_equal(c->sessions.count(g1), 1);
}

// The note the master forwards from another connection's reconnect.
void test_master_logoff_note(void**) {
  reset_identity();
  auto c = new_conn();
  uint64_t sid = 0;
  assert_int_equal(login(*c, &sid), status::kSuccess);
  auto it = c->master_handlers.find(ipc::master::kLogoffSessionNote);
  assert_true(it != c->master_handlers.end());
  auto note = [&](uint64_t s, uint32_t uid) {
    ipc::master::LogoffPrevious n;
    n.session_id = s;
    n.uid = uid;
    ByteWriter w;
    n.encode(w);
    ipc::Message m;
    m.type = ipc::master::kLogoffSessionNote;
    m.payload = w.take();
    c->master_handlers.at(ipc::master::kLogoffSessionNote)(*c, m);
  };
  note(sid, 1002);  // another user: kept
  assert_int_equal(c->sessions.count(sid), 1);
  note(sid + 1, 1001);  // unknown session: nothing happens
  assert_int_equal(c->sessions.count(sid), 1);
  ipc::Message bad;
  bad.type = ipc::master::kLogoffSessionNote;
  bad.payload = {1, 2, 3};
  c->master_handlers.at(ipc::master::kLogoffSessionNote)(*c, bad);  // malformed: ignored
  assert_int_equal(c->sessions.count(sid), 1);
  note(sid, 1001);  // same user: logged off
  assert_int_equal(c->sessions.count(sid), 0);
  // The strict decoder refuses a zero id or uid.
  ipc::master::LogoffPrevious z;
  ByteWriter w;
  z.encode(w);
  assert_false(ipc::master::LogoffPrevious::decode(w.view()).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expiry_and_reauth),
      cmocka_unit_test(test_expired_session_may),
      cmocka_unit_test(test_no_expiry_by_default),
      cmocka_unit_test(test_reauth_other_user),
      cmocka_unit_test(test_session_id_names_connection),
      cmocka_unit_test(test_previous_session_same_connection),
      cmocka_unit_test(test_master_logoff_note),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
