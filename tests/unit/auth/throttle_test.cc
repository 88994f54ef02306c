// Unit tests: the failed-logon rate limiter (smbd-auth/logon_throttle.h) with
// an injected clock: growth per address and per account, serialisation of
// parallel failures, the hold cap, decay, keys, bounded tables; and the
// SessionChannel wiring (the answer delay reflects the shared limiter).
#include <string>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "smbd-auth/logon_throttle.h"
#include "smbd-auth/session_channel.h"
#include "tests/unit/auth/test_util.h"

// cmocka last: it defines macros (skip) that clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}
#undef fail
#undef skip

using namespace cifsd;
using namespace cifsd::auth;
namespace ia = cifsd::ipc::auth;
using T = LogonThrottle;

namespace {

void test_delay_curve(void**) {
  assert_int_equal(T::delay_for(0), T::kBaseDelayMs);
  assert_int_equal(T::delay_for(1), T::kBaseDelayMs);
  assert_int_equal(T::delay_for(2), 2 * T::kBaseDelayMs);
  assert_int_equal(T::delay_for(3), 4 * T::kBaseDelayMs);
  assert_int_equal(T::delay_for(50), T::kMaxDelayMs);
  assert_int_equal(T::delay_for(1e9), T::kMaxDelayMs);
  // Monotonic
  for (double l = 1; l < 10; l += 0.25) assert_true(T::delay_for(l) <= T::delay_for(l + 0.25));
}

void test_keys(void**) {
  assert_string_equal(T::account_key("Alice").c_str(), "alice");
  assert_string_equal(T::account_key("ALICE").c_str(), T::account_key("alice").c_str());
  assert_string_equal(T::address_key("192.0.2.7").c_str(), "192.0.2.7");
  assert_string_equal(T::address_key("::ffff:192.0.2.7").c_str(), "192.0.2.7");
  // One /64 is one key, whatever the interface id.
  assert_string_equal(T::address_key("2001:db8:1:2::1").c_str(),
                      T::address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd").c_str());
  assert_string_not_equal(T::address_key("2001:db8:1:2::1").c_str(),
                          T::address_key("2001:db8:1:3::1").c_str());
}

// Sequential failures from one address: each costs more than the one before.
void test_grows_per_address(void**) {
  T t;
  int64_t now = 1000000;
  uint32_t prev = 0;
  for (int i = 0; i < 5; i++) {
    int64_t rel = t.on_failure("192.0.2.1", "user" + std::to_string(i), now);
    uint32_t d = uint32_t(rel - now);
    assert_true(d > prev);  // different accounts: only the address grows
    prev = d;
    now = rel;  // the client sends its next guess once it got the answer
  }
  assert_true(t.address_level("192.0.2.1", now) > 4.5);
  // Another address is untouched.
  assert_int_equal(t.on_failure("192.0.2.2", "someone", now) - now, T::kBaseDelayMs);
}

// One account attacked from many addresses: the account's level grows and
// its failures are serialised although every address is fresh.
void test_grows_per_account(void**) {
  T t;
  int64_t now = 5000000;
  int64_t last_rel = 0;
  for (int i = 0; i < 6; i++) {
    std::string addr = "198.51.100." + std::to_string(i + 1);
    int64_t rel = t.on_failure(addr, i % 2 ? "ALICE" : "alice", now);
    assert_true(rel > last_rel);  // serialised on the account
    last_rel = rel;
    now += 10;  // all sent at nearly the same time
  }
  assert_true(t.account_level("Alice", now) > 5.5);
  assert_true(last_rel - now > 4 * int64_t(T::kBaseDelayMs));
  // bob from a fresh address is not affected by alice's attack.
  assert_int_equal(t.on_failure("203.0.113.9", "bob", now) - now, T::kBaseDelayMs);
}

// Parallel connections from one address do not buy parallel guesses: the
// releases are spaced by at least the base delay, up to the hold cap.
void test_serialised_and_capped(void**) {
  T t;
  int64_t now = 0;
  std::vector<int64_t> rel;
  for (int i = 0; i < 40; i++) rel.push_back(t.on_failure("192.0.2.50", "u" + std::to_string(i), now));
  for (size_t i = 1; i < rel.size(); i++) assert_true(rel[i] >= rel[i - 1]);
  for (int64_t r : rel) assert_true(r - now <= T::kMaxHoldMs);
  assert_int_equal(rel.back() - now, T::kMaxHoldMs);
  assert_true(rel[1] - rel[0] >= T::kBaseDelayMs);
}

// Levels halve every kHalfLifeMs; idle keys are forgotten by expire().
void test_decay_and_expire(void**) {
  T t;
  int64_t now = 0;
  for (int i = 0; i < 4; i++) now = t.on_failure("192.0.2.60", "carol", now);
  double l = t.address_level("192.0.2.60", now);
  assert_true(l > 3.5 && l <= 4.0);
  double half = t.address_level("192.0.2.60", now + T::kHalfLifeMs);
  assert_true(half > l / 2 - 0.01 && half < l / 2 + 0.01);
  t.expire(now + 1000);
  assert_int_equal(t.address_entries(), 1);
  assert_int_equal(t.account_entries(), 1);
  t.expire(now + 10 * T::kHalfLifeMs);
  assert_int_equal(t.address_entries(), 0);
  assert_int_equal(t.account_entries(), 0);
  // Back to the base delay after a long quiet period.
  int64_t later = now + 10 * T::kHalfLifeMs;
  assert_int_equal(t.on_failure("192.0.2.60", "carol", later) - later, T::kBaseDelayMs);
}

// The tables stay bounded, and a flood of fresh keys does not evict the key
// under attack.
void test_bounded(void**) {
  T t;
  int64_t now = 0;
  for (int i = 0; i < 10; i++) t.on_failure("10.0.0.1", "victim", now + i);
  for (size_t i = 0; i < T::kMaxEntries + 500; i++) {
    std::string addr = "10.1." + std::to_string(i >> 8) + "." + std::to_string(i & 255);
    t.on_failure(addr, "spray" + std::to_string(i), now + 20);
  }
  assert_true(t.address_entries() <= T::kMaxEntries);
  assert_true(t.account_entries() <= T::kMaxEntries);
  assert_true(t.account_level("victim", now + 20) > 5);
  assert_true(t.address_level("10.0.0.1", now + 20) > 5);
}

// An empty account name (anonymous attempts, malformed messages) counts for
// the address only.
void test_empty_account(void**) {
  T t;
  t.on_failure("192.0.2.70", "", 0);
  assert_int_equal(t.account_entries(), 0);
  assert_int_equal(t.address_entries(), 1);
}

template <class M>
std::vector<uint8_t> enc(const M& m) {
  ByteWriter w;
  m.encode(w);
  return w.take();
}

// One full NTLM logon through a channel; returns the result and the delay
// the channel asked the loop to hold the answer for.
ia::SetupResult logon(SessionChannel& ch, const char* user, const char* pw, int64_t now_ms,
                      uint32_t* delay) {
  uint16_t t;
  std::vector<uint8_t> out;
  testutil::Client cl{user, "", pw};
  ia::SessionSetup s1;
  s1.blob = cl.make_negotiate();
  assert_true(ch.handle(ia::kSessionSetup, enc(s1), now_ms / 1000, &t, &out, now_ms));
  auto a1 = ia::SessionSetupAnswer::decode(out);
  assert_true(a1 && a1->result == ia::SetupResult::kMoreProcessing);
  ia::SessionSetup s2;
  s2.context = a1->context;
  s2.blob = cl.make_authenticate(a1->blob);
  assert_true(ch.handle(ia::kSessionSetup, enc(s2), now_ms / 1000, &t, &out, now_ms));
  *delay = ch.answer_delay_ms();
  return ia::SessionSetupAnswer::decode(out)->result;
}

// Two channels (two connections) from the same address share the limiter:
// the second connection's first failure already pays for the first's; a
// correct logon of another account, from another address, is not delayed,
// nor is a correct logon of the attacked account.
void test_channels_share_limiter(void**) {
  testutil::FakeResolver res;
  AuthEnv env;
  env.resolver = &res;
  env.passdb.set("alice", crypto::nt_hash("pw"));
  env.passdb.set("bob", crypto::nt_hash("pw2"));
  T throttle;
  auto hello = enc(ia::Hello{});
  uint16_t t;
  std::vector<uint8_t> out;
  SessionChannel c1(env), c2(env), c3(env);
  for (SessionChannel* c : {&c1, &c2, &c3}) assert_true(c->handle(ia::kHello, hello, 0, &t, &out));
  c1.set_throttle(&throttle, "192.0.2.10");
  c2.set_throttle(&throttle, "192.0.2.10");
  c3.set_throttle(&throttle, "192.0.2.99");
  int64_t now = 1000000;
  uint32_t d = 0;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(logon(c1, "alice", "wrong", now, &d), ia::SetupResult::kLogonFailure);
    assert_true(d > 0);
    now += d;
  }
  // A fresh connection from the same address: no per-connection history,
  // but the address's (and alice's) level makes it wait longer than a first failure.
  assert_int_equal(logon(c2, "ALICE", "wrong", now, &d), ia::SetupResult::kLogonFailure);
  assert_true(d >= 6 * T::kBaseDelayMs);
  assert_true(throttle.account_level("alice", now) > 3.5);
  assert_true(throttle.address_level("192.0.2.10", now) > 3.5);
  // bob from elsewhere: correct password, answered at once.
  assert_int_equal(logon(c3, "bob", "pw2", now, &d), ia::SetupResult::kOk);
  assert_int_equal(d, 0);
  // alice herself with the right password is not delayed either.
  assert_int_equal(logon(c3, "alice", "pw", now, &d), ia::SetupResult::kOk);
  assert_int_equal(d, 0);
  // But a wrong password for alice from the other address pays alice's level.
  assert_int_equal(logon(c3, "alice", "nope", now, &d), ia::SetupResult::kLogonFailure);
  assert_true(d >= 6 * T::kBaseDelayMs);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_delay_curve),       cmocka_unit_test(test_keys),
      cmocka_unit_test(test_grows_per_address), cmocka_unit_test(test_grows_per_account),
      cmocka_unit_test(test_serialised_and_capped), cmocka_unit_test(test_decay_and_expire),
      cmocka_unit_test(test_bounded),           cmocka_unit_test(test_empty_account),
      cmocka_unit_test(test_channels_share_limiter),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
