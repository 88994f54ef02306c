// auth_proto.h messages (round trips, truncation, oversize, trailing bytes),
// the per-channel state machine, and the smbd-auth loop end to end over
// socketpairs (a forked AuthProcess with this test playing master and session).

#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "common/ipc/auth_proto.h"
#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "smbd-auth/auth_process.h"
#include "smbd-auth/session_channel.h"
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
using namespace cifsd::ipc;
namespace ia = cifsd::ipc::auth;

template <class T>
static std::vector<uint8_t> enc(const T& m) {
  ByteWriter w;
  m.encode(w);
  return w.take();
}

// Every strict prefix and every one-byte extension of a valid encoding fails,
// except the prefix without an appended field (`tail` bytes; codec.h tail_u32),
// which is how an older sender encoded the message.
template <class T>
static void check_strict(const std::vector<uint8_t>& b, size_t tail = 0) {
  assert_true(T::decode(b).has_value());
  for (size_t n = 0; n < b.size(); n++) {
    if (tail && n == b.size() - tail) {
      assert_true(T::decode(Bytes(b.data(), n)).has_value());
      continue;
    }
    assert_false(T::decode(Bytes(b.data(), n)).has_value());
  }
  auto longer = b;
  longer.push_back(0);
  assert_false(T::decode(longer).has_value());
}

static void test_roundtrips(void**) {
  check_strict<ia::Hello>(enc(ia::Hello{}));
  check_strict<ia::HelloAnswer>(enc(ia::HelloAnswer{}));
  assert_true(ia::NegToken::decode({}).has_value());
  assert_false(ia::NegToken::decode(std::vector<uint8_t>{0}).has_value());
  ia::NegTokenAnswer nta;
  nta.blob = spnego::build_server_init();
  check_strict<ia::NegTokenAnswer>(enc(nta));
  assert_true(ia::NegTokenAnswer::decode(enc(nta))->blob == nta.blob);
  ia::SessionSetup ss;
  ss.context = 0x1122334455667788ull;
  ss.blob = {1, 2, 3};
  check_strict<ia::SessionSetup>(enc(ss));
  auto ss2 = ia::SessionSetup::decode(enc(ss));
  assert_true(ss2->context == ss.context && ss2->blob == ss.blob);
  ia::SessionSetupAnswer a;
  a.result = ia::SetupResult::kOk;
  a.identity.user = "alice";
  a.identity.uid = 1000;
  a.identity.gid = 1000;
  a.identity.groups = {1000, 27};
  a.identity.group_names = {"alice", "sudo"};
  a.has_session_key = true;
  a.session_key.fill(0x5a);
  check_strict<ia::SessionSetupAnswer>(enc(a), 4);  // lifetime_s is appended
  auto a2 = ia::SessionSetupAnswer::decode(enc(a));
  assert_string_equal(a2->identity.user.c_str(), "alice");
  assert_true(a2->identity.groups == a.identity.groups);
  assert_true(a2->session_key == a.session_key);
  ia::Release rl;
  rl.context = 9;
  check_strict<ia::Release>(enc(rl));
  assert_true(ia::ReleaseAnswer::decode({}).has_value());
}

static void test_oversized_and_invalid(void**) {
  // A blob length above kMaxBlob is refused before copying.
  ByteWriter w;
  w.u64(0);
  w.u32(uint32_t(ia::kMaxBlob + 1));
  w.zeros(ia::kMaxBlob + 1);
  assert_false(ia::SessionSetup::decode(w.view()).has_value());
  // uid 0 in an answer is refused by validate() and so by decode().
  ia::SessionSetupAnswer a;
  a.result = ia::SetupResult::kOk;
  a.identity.user = "root";
  assert_false(a.validate());
  assert_false(ia::SessionSetupAnswer::decode(enc(a)).has_value());
  // More processing requires a context.
  ia::SessionSetupAnswer m;
  m.result = ia::SetupResult::kMoreProcessing;
  assert_false(m.validate());
  // Too many groups.
  ia::SessionSetupAnswer g;
  g.result = ia::SetupResult::kOk;
  g.identity.user = "x";
  g.identity.uid = g.identity.gid = 5;
  g.identity.groups.assign(ia::kMaxGroups + 1, 5);
  assert_false(ia::SessionSetupAnswer::decode(enc(g)).has_value());
  // A NUL inside a name.
  ia::SessionSetupAnswer n;
  n.result = ia::SetupResult::kOk;
  n.identity.user = std::string("al\0ice", 6);
  n.identity.uid = n.identity.gid = 5;
  assert_false(ia::SessionSetupAnswer::decode(enc(n)).has_value());
}

static void test_channel_state_machine(void**) {
  testutil::FakeResolver res;
  cifsd::auth::AuthEnv env;
  env.resolver = &res;
  env.passdb.set("alice", crypto::nt_hash("pw"));
  cifsd::auth::SessionChannel ch(env);
  uint16_t t;
  std::vector<uint8_t> out;
  // Anything before Hello is a violation.
  assert_false(ch.handle(ia::kNegToken, {}, 0, &t, &out));
  cifsd::auth::SessionChannel ch2(env);
  auto hello = enc(ia::Hello{});
  assert_true(ch2.handle(ia::kHello, hello, 0, &t, &out));
  assert_int_equal(t, ia::kHelloAnswer);
  // Hello twice is a violation.
  assert_false(ch2.handle(ia::kHello, hello, 0, &t, &out));
  cifsd::auth::SessionChannel c(env);
  assert_true(c.handle(ia::kHello, hello, 0, &t, &out));
  assert_true(c.handle(ia::kNegToken, {}, 0, &t, &out));
  assert_int_equal(t, ia::kNegTokenAnswer);
  assert_false(c.handle(99, {}, 0, &t, &out));  // unknown type
  cifsd::auth::SessionChannel d(env);
  d.handle(ia::kHello, hello, 0, &t, &out);
  // A full exchange through the channel, plus context limit and expiry.
  testutil::Client cl{"alice", "", "pw"};
  ia::SessionSetup s1;
  s1.blob = cl.make_negotiate();
  assert_true(d.handle(ia::kSessionSetup, enc(s1), 0, &t, &out));
  auto a1 = ia::SessionSetupAnswer::decode(out);
  assert_true(a1 && a1->result == ia::SetupResult::kMoreProcessing && a1->context != 0);
  ia::SessionSetup s2;
  s2.context = a1->context;
  s2.blob = cl.make_authenticate(a1->blob);
  assert_true(d.handle(ia::kSessionSetup, enc(s2), 1, &t, &out));
  auto a2 = ia::SessionSetupAnswer::decode(out);
  assert_true(a2 && a2->result == ia::SetupResult::kOk);
  assert_int_equal(d.context_count(), 0);
  // The completed logon is vouched for (to the master), and only for that answer.
  assert_int_equal(d.vouched_uid(), a2->identity.uid);
  assert_true(d.vouched_uid() != 0);
  // Unknown context: an answer, not a violation.
  assert_true(d.handle(ia::kSessionSetup, enc(s2), 1, &t, &out));
  assert_true(ia::SessionSetupAnswer::decode(out)->result == ia::SetupResult::kInvalid);
  assert_int_equal(d.vouched_uid(), 0);
  for (int i = 0; i < 40; i++) {
    testutil::Client x;
    ia::SessionSetup s;
    s.blob = x.make_negotiate();
    assert_true(d.handle(ia::kSessionSetup, enc(s), 10 + i, &t, &out));
  }
  assert_int_equal(d.context_count(), cifsd::auth::kMaxContextsPerChannel);
  d.expire(10 + 40 + cifsd::auth::kContextLifetimeSec);
  assert_int_equal(d.context_count(), 0);
  assert_int_equal(d.answer_delay_ms(), 0);
  // Logon failures ask the loop to hold the answer, longer each time, capped.
  uint32_t last = 0;
  for (int i = 0; i < 8; i++) {
    testutil::Client bad{"alice", "", "wrong"};
    ia::SessionSetup b1;
    b1.blob = bad.make_negotiate();
    assert_true(d.handle(ia::kSessionSetup, enc(b1), 200, &t, &out));
    assert_int_equal(d.answer_delay_ms(), 0);
    ia::SessionSetup b2;
    b2.context = ia::SessionSetupAnswer::decode(out)->context;
    b2.blob = bad.make_authenticate(ia::SessionSetupAnswer::decode(out)->blob);
    assert_true(d.handle(ia::kSessionSetup, enc(b2), 200, &t, &out));
    assert_true(ia::SessionSetupAnswer::decode(out)->result == ia::SetupResult::kLogonFailure);
    assert_true(d.answer_delay_ms() >= last && d.answer_delay_ms() > 0);
    assert_true(d.answer_delay_ms() <= cifsd::auth::kFailureDelayMaxMs);
    if (i > 0 && last < cifsd::auth::kFailureDelayMaxMs) assert_true(d.answer_delay_ms() > last);
    last = d.answer_delay_ms();
  }
  assert_int_equal(last, cifsd::auth::kFailureDelayMaxMs);
  // Malformed SessionSetup payload: violation.
  assert_false(d.handle(ia::kSessionSetup, std::vector<uint8_t>{1, 2}, 0, &t, &out));
}

// --- end to end over socketpairs ---------------------------------------

static void test_process_end_to_end(void**) {
  char dir[] = "/tmp/authproc_testXXXXXX";
  assert_non_null(mkdtemp(dir));
  std::string db_path = std::string(dir) + "/db";
  cifsd::auth::Passdb db;
  db.set("nobody", crypto::nt_hash("guestpw"));
  std::string err;
  assert_true(db.save(db_path, &err));

  UniqueFd m_parent, m_child;
  assert_true(make_pair(&m_parent, &m_child));
  pid_t pid = fork();
  if (pid == 0) {
    m_parent.reset();
    cifsd::auth::AuthProcess p(m_child.get());
    if (!p.start()) _exit(3);
    _exit(p.run());
  }
  m_child.reset();
  Message msg;
  assert_int_equal(int(recv_message(m_parent.get(), master::kVersion, &msg, 5000)), int(RecvStatus::kOk));
  assert_int_equal(msg.type, master::kHello);
  master::HelloAnswer ha;
  ha.config_text = "[global]\n\tworkgroup = TESTGROUP\n";
  ha.passdb_path = db_path;
  ha.log_level = 0;
  auto hab = enc(ha);
  assert_true(send_message(m_parent.get(), master::kVersion, master::kHelloAnswer, msg.seq, hab));

  auto attach = [&](UniqueFd* session_end) {
    UniqueFd helper_end;
    assert_true(make_pair(session_end, &helper_end));
    master::Attach at;
    at.connection_id = 7;
    at.client_ip = "127.0.0.1";
    auto b = enc(at);
    assert_true(send_message(m_parent.get(), master::kVersion, master::kAttach, 40, b, helper_end.get()));
    Message ans;
    assert_int_equal(int(recv_message(m_parent.get(), master::kVersion, &ans, 5000)), int(RecvStatus::kOk));
    assert_int_equal(ans.type, master::kAttachAnswer);
    assert_int_equal(ans.seq, 40);
    assert_int_equal(master::StatusAnswer::decode(ans.body())->status, 0);
  };
  UniqueFd s1, s2;
  attach(&s1);
  attach(&s2);

  // s2 misbehaves: SessionSetup before Hello closes s2 only.
  auto ssb = enc(ia::SessionSetup{});
  assert_true(send_message(s2.get(), ia::kVersion, ia::kSessionSetup, 1, ssb));
  Message r;
  assert_int_equal(int(recv_message(s2.get(), ia::kVersion, &r, 5000)), int(RecvStatus::kClosed));

  // s1 behaves: Hello, NegToken, two SessionSetup legs.
  Message ans;
  auto hb = enc(ia::Hello{});
  assert_int_equal(int(call(s1.get(), ia::kVersion, ia::kHello, 2, hb, &ans, 5000)), int(RecvStatus::kOk));
  assert_int_equal(int(call(s1.get(), ia::kVersion, ia::kNegToken, 4, {}, &ans, 5000)), int(RecvStatus::kOk));
  auto nt = ia::NegTokenAnswer::decode(ans.body());
  assert_true(nt && nt->blob == spnego::build_server_init());
  testutil::Client cl{"nobody", "TESTGROUP", "guestpw"};
  ia::SessionSetup leg1;
  leg1.blob = spnego::build_client_init({spnego::kOidNtlmssp}, cl.make_negotiate());
  auto l1 = enc(leg1);
  assert_int_equal(int(call(s1.get(), ia::kVersion, ia::kSessionSetup, 6, l1, &ans, 5000)), int(RecvStatus::kOk));
  auto a1 = ia::SessionSetupAnswer::decode(ans.body());
  assert_true(a1 && a1->result == ia::SetupResult::kMoreProcessing);
  spnego::NegTokenResp r1;
  assert_true(spnego::parse_neg_token_resp(a1->blob, &r1));
  spnego::NegTokenResp r2;
  r2.has_response_token = true;
  r2.response_token = cl.make_authenticate(r1.response_token);
  ia::SessionSetup leg2;
  leg2.context = a1->context;
  leg2.blob = spnego::build_neg_token_resp(r2);
  auto l2 = enc(leg2);
  assert_int_equal(int(call(s1.get(), ia::kVersion, ia::kSessionSetup, 8, l2, &ans, 5000)), int(RecvStatus::kOk));
  auto a2 = ia::SessionSetupAnswer::decode(ans.body());
  assert_true(a2 && a2->result == ia::SetupResult::kOk);
  assert_int_equal(a2->identity.uid, 65534);
  assert_true(a2->has_session_key);
  assert_memory_equal(a2->session_key.data(), cl.esk, 16);
  // smbd-auth told the master first: connection 7 proved uid 65534
  // (kAuthenticatedNote, seq 0; what the master checks reconnect notes against).
  Message vouch;
  assert_int_equal(int(recv_message(m_parent.get(), master::kVersion, &vouch, 5000)), int(RecvStatus::kOk));
  assert_int_equal(vouch.type, master::kAuthenticatedNote);
  assert_int_equal(vouch.seq, 0);
  auto vn = master::Authenticated::decode(vouch.body());
  assert_true(vn.has_value());
  assert_int_equal(vn->connection_id, 7);
  assert_int_equal(vn->uid, 65534);

  // A wrong password on s1: the failure answer is held back, and meanwhile a
  // new channel is still served (the loop does not block).
  testutil::Client bad{"nobody", "", "nope"};
  ia::SessionSetup b1;
  b1.blob = bad.make_negotiate();
  auto bb1 = enc(b1);
  assert_int_equal(int(call(s1.get(), ia::kVersion, ia::kSessionSetup, 10, bb1, &ans, 5000)), int(RecvStatus::kOk));
  ia::SessionSetup b2;
  b2.context = ia::SessionSetupAnswer::decode(ans.body())->context;
  b2.blob = bad.make_authenticate(ia::SessionSetupAnswer::decode(ans.body())->blob);
  auto bb2 = enc(b2);
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_true(send_message(s1.get(), ia::kVersion, ia::kSessionSetup, 12, bb2));
  UniqueFd s3;
  attach(&s3);
  assert_int_equal(int(call(s3.get(), ia::kVersion, ia::kHello, 2, hb, &ans, 5000)), int(RecvStatus::kOk));
  assert_int_equal(int(recv_message(s1.get(), ia::kVersion, &ans, 5000)), int(RecvStatus::kOk));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true(ia::SessionSetupAnswer::decode(ans.body())->result == ia::SetupResult::kLogonFailure);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  assert_true(ms >= 200);

  // Reload with a broken config is refused and the old settings stay.
  master::Reload rl;
  rl.config_text = "[global]\n\tserver max protocol = SMB9\n\tmin protocol = nonsense\n";
  auto rlb = enc(rl);
  assert_int_equal(int(call(m_parent.get(), master::kVersion, master::kReload, 42, rlb, &ans, 5000)), int(RecvStatus::kOk));

  // Closing the master channel ends the process cleanly.
  m_parent.reset();
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  unlink(db_path.c_str());
  rmdir(dir);
}

int main() {
  log::init("auth_ipc_test", false, log::kError);
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrips),
      cmocka_unit_test(test_oversized_and_invalid),
      cmocka_unit_test(test_channel_state_machine),
      cmocka_unit_test(test_process_end_to_end),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
