// Unit tests: the credit / sequence window and the 3.1.1 negotiate-context
// parser.
#include <vector>

#include "smbd-session/credits.h"
#include "smbd-session/negotiate.h"

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

void test_initial_window(void**) {
  CreditWindow w;
  assert_int_equal(w.available(), 1);
  assert_false(w.consume(1, 1));  // not granted yet
  assert_true(w.consume(0, 1));
  assert_false(w.consume(0, 1));  // replay
  assert_int_equal(w.available(), 0);
}

void test_window_out_of_order_and_replay(void**) {
  CreditWindow w;
  assert_true(w.consume(0, 1));
  w.grant(10);  // ids 1..10
  assert_true(w.consume(5, 1));
  assert_true(w.consume(1, 1));
  assert_false(w.consume(5, 1));   // used
  assert_false(w.consume(11, 1));  // beyond the window
  assert_true(w.consume(2, 3));    // 2,3,4 multi-credit
  assert_false(w.consume(4, 2));   // 4 used
  assert_false(w.consume(9, 3));   // 9,10,11: 11 outside
  assert_true(w.consume(9, 2));
  assert_int_equal(w.available(), 3);  // 6,7,8
  assert_int_equal(w.base(), 6);
  assert_false(w.consume(0, 1));   // far below the base
  assert_true(w.consume(6, 0));    // charge 0 counts as 1
  assert_int_equal(w.available(), 2);
}

void test_grant_limits(void**) {
  CreditWindow w;
  assert_true(w.consume(0, 1));
  assert_int_equal(w.to_grant(0, 1, 100), 1);      // at least one
  assert_int_equal(w.to_grant(50, 1, 100), 50);
  assert_int_equal(w.to_grant(500, 1, 100), 100);  // capped by the maximum
  assert_int_equal(w.to_grant(1, 8, 100), 8);      // large requests get their charge back
  w.grant(100);
  assert_int_equal(w.to_grant(10, 1, 100), 0);     // the client holds the maximum
  // A client that never uses id 1 keeps the base from sliding; the bitmap
  // stays bounded.
  for (uint64_t id = 2; id <= 100; id++) assert_true(w.consume(id, 1));
  uint64_t total = 0;
  for (int i = 0; i < 1000; i++) {
    uint32_t g = w.to_grant(100, 1, 100);
    w.grant(g);
    total += g;
    for (uint64_t k = 0; k < g; k++) w.consume(101 + total - g + k, 1);
  }
  assert_true(total <= 200);
}

// Builds a 3.1.1 NEGOTIATE request's context list at offset 104 (64-byte
// header + 36 fixed bytes + 2 dialects).
struct Ctx { uint16_t type; std::vector<uint8_t> data; };
std::vector<uint8_t> with_contexts(const std::vector<Ctx>& ctxs) {
  std::vector<uint8_t> msg(104, 0);
  ByteWriter w(msg);
  for (size_t i = 0; i < ctxs.size(); i++) {
    if (i) w.align(8);
    w.u16(ctxs[i].type);
    w.u16(uint16_t(ctxs[i].data.size()));
    w.u32(0);
    w.bytes({ctxs[i].data.data(), ctxs[i].data.size()});
  }
  return msg;
}
std::vector<uint8_t> preauth(std::vector<uint16_t> algs, uint16_t salt_len = 32) {
  std::vector<uint8_t> d;
  ByteWriter w(d);
  w.u16(uint16_t(algs.size()));
  w.u16(salt_len);
  for (auto a : algs) w.u16(a);
  w.zeros(salt_len);
  return d;
}
std::vector<uint8_t> list(std::vector<uint16_t> v) {
  std::vector<uint8_t> d;
  ByteWriter w(d);
  w.u16(uint16_t(v.size()));
  for (auto a : v) w.u16(a);
  return d;
}

void test_contexts_good(void**) {
  auto m = with_contexts({{kCtxPreauth, preauth({kHashSha512})},
                          {kCtxEncryption, list({2, 1})},
                          {kCtxSigning, list({2, 1})},
                          {kCtxNetname, {0x41, 0, 0x42, 0}}});
  NegotiateContexts c;
  assert_int_equal(parse_negotiate_contexts({m.data(), m.size()}, 104, 4, &c), status::kSuccess);
  assert_true(c.has_preauth && c.has_encryption && c.has_signing);
  assert_int_equal(c.signing_algs.size(), 2);
  assert_int_equal(c.ciphers[0], 2);
}

void test_contexts_malformed(void**) {
  NegotiateContexts c;
  auto m = with_contexts({{kCtxPreauth, preauth({kHashSha512})}});
  // No contexts at all
  assert_int_equal(parse_negotiate_contexts({m.data(), m.size()}, 104, 0, &c), status::kInvalidParameter);
  // More contexts announced than present
  assert_int_equal(parse_negotiate_contexts({m.data(), m.size()}, 104, 2, &c), status::kInvalidParameter);
  // Offset past the end / misaligned
  assert_int_equal(parse_negotiate_contexts({m.data(), m.size()}, 4096, 1, &c), status::kInvalidParameter);
  assert_int_equal(parse_negotiate_contexts({m.data(), m.size()}, 100, 1, &c), status::kInvalidParameter);
  // DataLength past the end
  auto t = m;
  t[106] = 0xFF;
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 1, &c), status::kInvalidParameter);
  // Salt longer than the context
  t = with_contexts({{kCtxPreauth, preauth({kHashSha512}, 32)}});
  t[104 + 8 + 2] = 40;
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 1, &c), status::kInvalidParameter);
  // No SHA-512
  t = with_contexts({{kCtxPreauth, preauth({2})}});
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 1, &c), kStatusNoPreauthOverlap);
  // Missing preauth
  t = with_contexts({{kCtxSigning, list({1})}});
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 1, &c), status::kInvalidParameter);
  // Duplicate preauth / encryption
  t = with_contexts({{kCtxPreauth, preauth({kHashSha512})}, {kCtxPreauth, preauth({kHashSha512})}});
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 2, &c), status::kInvalidParameter);
  t = with_contexts({{kCtxPreauth, preauth({kHashSha512})}, {kCtxEncryption, list({1})},
                     {kCtxEncryption, list({2})}});
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 3, &c), status::kInvalidParameter);
  // Empty cipher / signing lists
  t = with_contexts({{kCtxPreauth, preauth({kHashSha512})}, {kCtxEncryption, list({})}});
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 2, &c), status::kInvalidParameter);
  t = with_contexts({{kCtxPreauth, preauth({kHashSha512})}, {kCtxSigning, list({})}});
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 2, &c), status::kInvalidParameter);
  // Cipher count larger than the data
  t = with_contexts({{kCtxPreauth, preauth({kHashSha512})}, {kCtxEncryption, {5, 0, 1, 0}}});
  assert_int_equal(parse_negotiate_contexts({t.data(), t.size()}, 104, 2, &c), status::kInvalidParameter);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_initial_window), cmocka_unit_test(test_window_out_of_order_and_replay),
      cmocka_unit_test(test_grant_limits),   cmocka_unit_test(test_contexts_good),
      cmocka_unit_test(test_contexts_malformed),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
