// Unit tests: async ops (smbd-session/async.h) without sockets: the final
// response's header (async form, credits 0, status, error body), signing of
// the final response, CANCEL by AsyncId and by MessageId (same session only),
// ending ops when their open closes, the per-connection cap, and the shape of
// unsolicited notifications.
#include <cstring>
#include <vector>

#include "smbd-session/async.h"
#include "smbd-session/connection.h"
#include "smbd-session/crypto/smb_crypto.h"
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

namespace {

struct Fixture {
  Connection c;
  std::vector<std::vector<uint8_t>> sent;
  Session* s = nullptr;
  Fixture() {
    c.dialect = kSmb311;
    c.send = [this](std::vector<uint8_t> f) { sent.push_back(std::move(f)); };
    auto sess = std::make_unique<Session>();
    sess->id = 0x1234;
    sess->state = Session::State::kValid;
    s = sess.get();
    c.sessions.emplace(sess->id, std::move(sess));
  }
  // A request as the engine would hand it to a handler.
  Request request(uint64_t mid, uint16_t command, uint32_t flags = 0) {
    Smb2Header h;
    h.message_id = mid;
    h.command = command;
    h.session_id = s->id;
    h.tree_id = 7;
    h.credit_charge = 1;
    h.flags = flags;
    Request r{c, h, {}, {}};
    r.session = s;
    return r;
  }
  Smb2Header header_of(size_t i) {
    assert_true(i < sent.size());
    const auto& f = sent[i];
    assert_true(f.size() >= 4 + smb2::kHeaderSize);
    uint32_t nb_len = (uint32_t(f[1]) << 16) | (uint32_t(f[2]) << 8) | f[3];
    assert_int_equal(nb_len, f.size() - 4);
    Smb2Header h;
    assert_true(parse_smb2_header({f.data() + 4, f.size() - 4}, &h));
    return h;
  }
};

void test_final_response_header(void**) {
  Fixture fx;
  Request r = fx.request(42, smb2::kChangeNotify);
  uint64_t id = go_async(r, 0, [](AsyncEnd) {});
  assert_true(id != 0);
  assert_int_equal(r.async_id, id);
  assert_true(async_pending(fx.c, id));
  uint8_t body[] = {9, 0, 72, 0, 0, 0, 0, 0, 0};
  complete_async(fx.c, id, status::kSuccess, {body, sizeof body});
  assert_false(async_pending(fx.c, id));
  assert_int_equal(fx.sent.size(), 1);
  Smb2Header h = fx.header_of(0);
  assert_true(h.flags & smb2::kFlagResponse);
  assert_true(h.flags & smb2::kFlagAsync);
  assert_false(h.flags & smb2::kFlagSigned);
  assert_int_equal(h.async_id, id);
  assert_int_equal(h.message_id, 42);
  assert_int_equal(h.credits, 0);
  assert_int_equal(h.status, status::kSuccess);
  assert_int_equal(h.session_id, 0x1234);
  assert_int_equal(fx.sent[0].size(), 4 + smb2::kHeaderSize + sizeof body);
  // A second completion of the same op sends nothing.
  complete_async(fx.c, id, status::kSuccess, {body, sizeof body});
  assert_int_equal(fx.sent.size(), 1);
}

void test_error_gets_error_body(void**) {
  Fixture fx;
  Request r = fx.request(5, smb2::kLock);
  uint64_t id = go_async(r, 0, [](AsyncEnd) {});
  uint8_t junk[20] = {1, 2, 3};
  complete_async(fx.c, id, status::kLockNotGranted, {junk, sizeof junk});
  Smb2Header h = fx.header_of(0);
  assert_int_equal(h.status, status::kLockNotGranted);
  assert_int_equal(fx.sent[0].size(), 4 + smb2::kHeaderSize + 9);
  assert_int_equal(fx.sent[0][4 + smb2::kHeaderSize], 9);  // StructureSize of the error body
}

void test_signed_request_gets_signed_final(void**) {
  Fixture fx;
  fx.s->signing_key.assign(16, 0x5A);
  fx.s->dialect_signing_alg = uint16_t(crypto::SignAlg::kAesCmac);
  Request r = fx.request(9, smb2::kChangeNotify, smb2::kFlagSigned);
  uint64_t id = go_async(r, 0, [](AsyncEnd) {});
  uint8_t body[] = {9, 0, 72, 0, 0, 0, 0, 0, 0};
  complete_async(fx.c, id, status::kSuccess, {body, sizeof body});
  Smb2Header h = fx.header_of(0);
  assert_true(h.flags & smb2::kFlagSigned);
  auto& f = fx.sent[0];
  assert_true(crypto::verify_message(crypto::SignAlg::kAesCmac, fx.s->signing_key,
                                     {f.data() + 4, f.size() - 4}));
}

void test_cancel_by_async_id_and_message_id(void**) {
  Fixture fx;
  int ended = 0;
  AsyncEnd why = AsyncEnd::kTeardown;
  Request r1 = fx.request(10, smb2::kChangeNotify);
  uint64_t a1 = go_async(r1, 0, [&](AsyncEnd w) {
    ended++;
    why = w;
    complete_async(fx.c, a1, status::kCancelled, {});
  });
  Request r2 = fx.request(11, smb2::kLock);
  uint64_t a2 = go_async(r2, 0, [&](AsyncEnd) { ended++; });  // does not complete itself

  // Another session's CANCEL cancels nothing.
  Smb2Header other;
  other.flags = smb2::kFlagAsync;
  other.async_id = a1;
  other.session_id = 0x9999;
  cancel_request(fx.c, other);
  assert_int_equal(ended, 0);

  Smb2Header ch;
  ch.flags = smb2::kFlagAsync;
  ch.async_id = a1;
  ch.session_id = 0x1234;
  cancel_request(fx.c, ch);
  assert_int_equal(ended, 1);
  assert_true(why == AsyncEnd::kCancel);
  assert_false(async_pending(fx.c, a1));
  assert_int_equal(fx.header_of(0).status, status::kCancelled);

  Smb2Header sync_cancel;
  sync_cancel.message_id = 11;
  sync_cancel.session_id = 0x1234;
  cancel_request(fx.c, sync_cancel);
  assert_int_equal(ended, 2);
  assert_false(async_pending(fx.c, a2));
  // Completed by the engine on the op's behalf: the client never waits forever.
  assert_int_equal(fx.header_of(1).status, status::kCancelled);
  assert_int_equal(fx.header_of(1).message_id, 11);
}

void test_close_ends_only_that_opens_ops(void**) {
  Fixture fx;
  std::vector<AsyncEnd> ends;
  Request r1 = fx.request(20, smb2::kChangeNotify);
  uint64_t a1 = go_async(r1, 77, [&](AsyncEnd w) {
    ends.push_back(w);
    complete_async(fx.c, a1, status::kNotifyCleanup, {});
  });
  Request r2 = fx.request(21, smb2::kChangeNotify);
  uint64_t a2 = go_async(r2, 78, [&](AsyncEnd w) { ends.push_back(w); });
  end_async_for_open(fx.c, 77);
  assert_int_equal(ends.size(), 1);
  assert_true(ends[0] == AsyncEnd::kClose);
  assert_int_equal(fx.header_of(0).status, status::kNotifyCleanup);
  assert_true(async_pending(fx.c, a2));
  // Teardown ends the rest without sending anything.
  end_all_async(fx.c);
  assert_int_equal(ends.size(), 2);
  assert_true(ends[1] == AsyncEnd::kTeardown);
  assert_int_equal(fx.sent.size(), 1);
  assert_true(fx.c.async_ops.empty());
}

void test_cap(void**) {
  Fixture fx;
  for (size_t i = 0; i < kMaxAsyncOps; i++) {
    Request r = fx.request(100 + i, smb2::kChangeNotify);
    assert_true(go_async(r, 0, [](AsyncEnd) {}) != 0);
  }
  Request r = fx.request(99999, smb2::kChangeNotify);
  assert_int_equal(go_async(r, 0, [](AsyncEnd) {}), 0);
  end_all_async(fx.c);
}

void test_notification_shape(void**) {
  Fixture fx;
  uint8_t body[24] = {24, 0, 1};
  send_notification(fx.c, fx.s->id, smb2::kOplockBreak, {body, sizeof body});
  Smb2Header h = fx.header_of(0);
  assert_int_equal(h.message_id, ~0ull);
  assert_int_equal(h.session_id, 0);
  assert_int_equal(h.command, smb2::kOplockBreak);
  assert_true(h.flags & smb2::kFlagResponse);
  assert_false(h.flags & smb2::kFlagAsync);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_final_response_header),
      cmocka_unit_test(test_error_gets_error_body),
      cmocka_unit_test(test_signed_request_gets_signed_final),
      cmocka_unit_test(test_cancel_by_async_id_and_message_id),
      cmocka_unit_test(test_close_ends_only_that_opens_ops),
      cmocka_unit_test(test_cap),
      cmocka_unit_test(test_notification_shape),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
