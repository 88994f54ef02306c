// Unit tests: the master's routing of a reconnect's LogoffPrevious note
// (session_protocol.cc): only after Hello, strictly decoded, forwarded to
// the connection named by the session id's bits 40-63 as a
// kLogoffSessionNote with the same content, never back to the sender,
// at most kMaxLogoffPreviousNotes per connection, and only with a uid
// smbd-auth vouched for on the sender's connection (kAuthenticatedNote).
#include <vector>

#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/share_modes.h"

// cmocka last: it defines macros (skip) that clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::master;
namespace mp = cifsd::ipc::master;

namespace {

ipc::Message msg(uint16_t type, std::vector<uint8_t> body) {
  ipc::Message m;
  m.type = type;
  m.payload = std::move(body);
  return m;
}

std::vector<uint8_t> note(uint64_t sid, uint32_t uid) {
  mp::LogoffPrevious n;
  n.session_id = sid;
  n.uid = uid;
  ByteWriter w;
  n.encode(w);
  return w.take();
}

SessionAction run(SessionState& st, const ipc::Message& m) {
  ShareModeTable broker;
  std::vector<uint8_t> hello_answer;
  return handle_session_frame(st, m, broker, hello_answer, 100);
}

void hello(SessionState& st) {
  mp::Hello h;
  ByteWriter w;
  h.encode(w);
  assert_int_equal(run(st, msg(mp::kHello, w.take())).kind, SessionAction::kAnswer);
}

const std::vector<uint32_t> kVouched{1001};

void test_routing(void**) {
  SessionState st;
  st.conn_id = 7;
  st.vouched_uids = &kVouched;
  // Before Hello: a violation like anything else.
  assert_int_equal(run(st, msg(mp::kLogoffPreviousNote, note(5ull << 40 | 1, 1001))).kind,
                   SessionAction::kViolation);
  hello(st);
  uint64_t sid = (5ull << 40) | 3;
  SessionAction a = run(st, msg(mp::kLogoffPreviousNote, note(sid, 1001)));
  assert_int_equal(a.kind, SessionAction::kNone);
  assert_int_equal(a.notify.size(), 1);
  assert_int_equal(a.notify[0].conn_id, 5);
  assert_int_equal(a.notify[0].type, mp::kLogoffSessionNote);
  auto fwd = mp::LogoffPrevious::decode(a.notify[0].payload);
  assert_true(fwd.has_value());
  assert_int_equal(fwd->session_id, sid);
  assert_int_equal(fwd->uid, 1001);
  // Its own connection's session: nothing to forward.
  a = run(st, msg(mp::kLogoffPreviousNote, note((7ull << 40) | 1, 1001)));
  assert_int_equal(a.kind, SessionAction::kNone);
  assert_int_equal(a.notify.size(), 0);
  // Connection 0 never exists.
  a = run(st, msg(mp::kLogoffPreviousNote, note(9, 1001)));
  assert_int_equal(a.notify.size(), 0);
}

// The request form gets an answer whether or not anything is forwarded, and
// forwards exactly as the note does (the master delivers before answering).
void test_request_form(void**) {
  SessionState st;
  st.conn_id = 7;
  st.vouched_uids = &kVouched;
  hello(st);
  SessionAction a = run(st, msg(mp::kLogoffPrevious, note((5ull << 40) | 3, 1001)));
  assert_int_equal(a.kind, SessionAction::kAnswer);
  assert_int_equal(a.type, mp::kLogoffPreviousAnswer);
  assert_int_equal(a.notify.size(), 1);
  assert_int_equal(a.notify[0].conn_id, 5);
  auto st_ans = mp::StatusAnswer::decode(a.payload);
  assert_true(st_ans.has_value());
  assert_int_equal(st_ans->status, 0);
  // Not vouched for: answered, nothing forwarded.
  a = run(st, msg(mp::kLogoffPrevious, note((5ull << 40) | 3, 1002)));
  assert_int_equal(a.kind, SessionAction::kAnswer);
  assert_int_equal(a.notify.size(), 0);
  // Malformed: a violation, as for the note.
  assert_int_equal(run(st, msg(mp::kLogoffPrevious, {1, 2})).kind, SessionAction::kViolation);
}

void test_strict(void**) {
  SessionState st;
  st.conn_id = 7;
  hello(st);
  auto body = note((5ull << 40) | 3, 1001);
  body.push_back(0);  // trailing byte
  assert_int_equal(run(st, msg(mp::kLogoffPreviousNote, body)).kind, SessionAction::kViolation);
  assert_int_equal(run(st, msg(mp::kLogoffPreviousNote, {1, 2})).kind, SessionAction::kViolation);
  // uid 0 or session 0 are refused by validate().
  assert_int_equal(run(st, msg(mp::kLogoffPreviousNote, note((5ull << 40) | 3, 0))).kind,
                   SessionAction::kViolation);
  assert_int_equal(run(st, msg(mp::kLogoffPreviousNote, note(0, 1001))).kind, SessionAction::kViolation);
  // A session may not send the master->session note.
  assert_int_equal(run(st, msg(mp::kLogoffSessionNote, note((5ull << 40) | 3, 1001))).kind,
                   SessionAction::kViolation);
}

void test_bounded(void**) {
  SessionState st;
  st.conn_id = 7;
  st.vouched_uids = &kVouched;
  hello(st);
  size_t forwarded = 0;
  for (uint32_t i = 0; i < kMaxLogoffPreviousNotes + 50; i++)
    forwarded += run(st, msg(mp::kLogoffPreviousNote, note((5ull << 40) | (i + 1), 1001))).notify.size();
  assert_int_equal(forwarded, kMaxLogoffPreviousNotes);
}

// A compromised session names a user smbd-auth never proved on its
// connection (the victim's uid): the master drops the note.
void test_unvouched_uid(void**) {
  SessionState st;
  st.conn_id = 7;
  hello(st);
  uint64_t victim = (5ull << 40) | 3;
  // Nothing vouched yet (no logon on this connection).
  SessionAction a = run(st, msg(mp::kLogoffPreviousNote, note(victim, 1002)));
  assert_int_equal(a.kind, SessionAction::kNone);
  assert_int_equal(a.notify.size(), 0);
  std::vector<uint32_t> vouched{1001, 1003};
  st.vouched_uids = &vouched;
  a = run(st, msg(mp::kLogoffPreviousNote, note(victim, 1002)));
  assert_int_equal(a.notify.size(), 0);
  // Its own proven users still work.
  a = run(st, msg(mp::kLogoffPreviousNote, note(victim, 1003)));
  assert_int_equal(a.notify.size(), 1);
  auto fwd = mp::LogoffPrevious::decode(a.notify[0].payload);
  assert_true(fwd.has_value());
  assert_int_equal(fwd->uid, 1003);
}

// The note itself: strict, never uid 0 or connection 0.
void test_authenticated_note(void**) {
  mp::Authenticated n{42, 1001};
  ByteWriter w;
  n.encode(w);
  std::vector<uint8_t> b = w.take();
  auto d = mp::Authenticated::decode(b);
  assert_true(d.has_value());
  assert_int_equal(d->connection_id, 42);
  assert_int_equal(d->uid, 1001);
  b.push_back(0);
  assert_false(mp::Authenticated::decode(b).has_value());
  ByteWriter w0;
  mp::Authenticated{42, 0}.encode(w0);
  assert_false(mp::Authenticated::decode(w0.view()).has_value());
  ByteWriter w1;
  mp::Authenticated{0, 1001}.encode(w1);
  assert_false(mp::Authenticated::decode(w1.view()).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_routing),
      cmocka_unit_test(test_request_form),
      cmocka_unit_test(test_strict),
      cmocka_unit_test(test_bounded),
      cmocka_unit_test(test_unvouched_uid),
      cmocka_unit_test(test_authenticated_note),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
