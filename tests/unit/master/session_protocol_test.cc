// The master's per-session state machine: Hello first and only once, strict
// decoding, no descriptors from sessions, broker answers, bounded records.
#include <vector>

// Before cmocka.h, whose skip() macro clashes with ByteReader::skip.
#include "common/ipc/master_proto.h"
#include "smbd-master/session_protocol.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}
#include <unistd.h>

using namespace cifsd;
using namespace cifsd::master;
namespace mp = cifsd::ipc::master;

namespace {

template <class T>
ipc::Message frame(uint16_t type, const T& body, uint32_t seq = 1) {
  ipc::Message m;
  m.type = type;
  m.seq = seq;
  ByteWriter w(m.payload);
  body.encode(w);
  return m;
}

const std::vector<uint8_t> kHelloAnswer = {1, 2, 3};

uint32_t status_of(const SessionAction& a) {
  auto s = mp::StatusAnswer::decode({a.payload.data(), a.payload.size()});
  assert_true(s.has_value());
  return s->status;
}

SessionAction run(SessionState& st, ShareModeTable& t, const ipc::Message& m, uint32_t max = 100) {
  return handle_session_frame(st, m, t, kHelloAnswer, max);
}

void test_hello_first(void**) {
  ShareModeTable t;
  SessionState st{1, false};
  // Anything before Hello is a violation, even a well-formed request.
  assert_int_equal(run(st, t, frame(mp::kShareOpen, mp::ShareOpen{1, 1, 1, 1, 7})).kind,
                   SessionAction::kViolation);
  assert_false(st.hello_done);
  // A Hello claiming another role is a violation.
  assert_int_equal(run(st, t, frame(mp::kHello, mp::Hello{mp::kVersion, mp::Role::kAuth})).kind,
                   SessionAction::kViolation);
  assert_int_equal(run(st, t, frame(mp::kHello, mp::Hello{mp::kVersion + 1, mp::Role::kSession})).kind,
                   SessionAction::kViolation);
  SessionAction a = run(st, t, frame(mp::kHello, mp::Hello{mp::kVersion, mp::Role::kSession}));
  assert_int_equal(a.kind, SessionAction::kAnswer);
  assert_int_equal(a.type, mp::kHelloAnswer);
  assert_true(a.payload == kHelloAnswer);
  assert_true(st.hello_done);
  // Hello twice.
  assert_int_equal(run(st, t, frame(mp::kHello, mp::Hello{mp::kVersion, mp::Role::kSession})).kind,
                   SessionAction::kViolation);
}

void test_rejects_answers_and_helper_messages(void**) {
  ShareModeTable t;
  SessionState st{1, true};
  for (uint16_t type : {uint16_t(mp::kHelloAnswer), uint16_t(mp::kShareOpenAnswer),
                        uint16_t(mp::kAttach), uint16_t(mp::kAttachAnswer), uint16_t(mp::kReload),
                        uint16_t(0), uint16_t(0xffff)}) {
    ipc::Message m;
    m.type = type;
    assert_int_equal(run(st, t, m).kind, SessionAction::kViolation);
  }
}

void test_strict_bodies(void**) {
  ShareModeTable t;
  SessionState st{1, true};
  ipc::Message m = frame(mp::kShareOpen, mp::ShareOpen{1, 1, 1, 1, 7});
  m.payload.push_back(0);  // trailing byte
  assert_int_equal(run(st, t, m).kind, SessionAction::kViolation);
  m.payload.resize(10);  // truncated
  assert_int_equal(run(st, t, m).kind, SessionAction::kViolation);
  ipc::Message c = frame(mp::kShareClose, mp::ShareClose{1});
  c.payload.pop_back();
  assert_int_equal(run(st, t, c).kind, SessionAction::kViolation);
  assert_int_equal(run(st, t, frame(mp::kNewChannel, mp::NewChannel{mp::Role::kSession})).kind,
                   SessionAction::kViolation);
  assert_int_equal(t.open_count(), 0u);
}

void test_descriptor_is_violation(void**) {
  ShareModeTable t;
  SessionState st{1, true};
  ipc::Message m = frame(mp::kShareClose, mp::ShareClose{1});
  m.fd.reset(dup(0));
  assert_true(m.fd.valid());
  assert_int_equal(run(st, t, m).kind, SessionAction::kViolation);
}

void test_broker_answers(void**) {
  ShareModeTable t;
  SessionState a{1, true}, b{2, true};
  SessionAction r = run(a, t, frame(mp::kShareOpen, mp::ShareOpen{10, 5, 6, kFileReadData | kFileWriteData, 0}, 7));
  assert_int_equal(r.kind, SessionAction::kAnswer);
  assert_int_equal(r.type, mp::kShareOpenAnswer);
  assert_int_equal(status_of(r), kStatusSuccess);
  r = run(b, t, frame(mp::kShareOpen, mp::ShareOpen{10, 5, 6, kFileReadData, 7}));
  assert_int_equal(status_of(r), kStatusSharingViolation);
  r = run(b, t, frame(mp::kShareClose, mp::ShareClose{10}));  // b never opened 10
  assert_int_equal(r.type, mp::kShareCloseAnswer);
  assert_int_equal(status_of(r), kStatusInvalidParameter);
  r = run(a, t, frame(mp::kShareClose, mp::ShareClose{10}));
  assert_int_equal(status_of(r), kStatusSuccess);
  r = run(b, t, frame(mp::kShareOpen, mp::ShareOpen{10, 5, 6, kFileReadData, 7}));
  assert_int_equal(status_of(r), kStatusSuccess);
}

void test_open_limit(void**) {
  ShareModeTable t;
  SessionState st{3, true};
  for (uint64_t i = 0; i < 4; ++i)
    assert_int_equal(status_of(run(st, t, frame(mp::kShareOpen, mp::ShareOpen{i, 1, i, kFileReadData, 7}), 4)),
                     kStatusSuccess);
  assert_int_equal(status_of(run(st, t, frame(mp::kShareOpen, mp::ShareOpen{9, 1, 9, kFileReadData, 7}), 4)),
                   kStatusTooManyOpenedFiles);
  assert_int_equal(t.open_count(), 4u);
}

void test_new_channel(void**) {
  ShareModeTable t;
  SessionState st{1, true};
  SessionAction a = run(st, t, frame(mp::kNewChannel, mp::NewChannel{mp::Role::kRpc}));
  assert_int_equal(a.kind, SessionAction::kNewChannel);
  assert_int_equal(uint32_t(a.helper), uint32_t(mp::Role::kRpc));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hello_first),
      cmocka_unit_test(test_rejects_answers_and_helper_messages),
      cmocka_unit_test(test_strict_bodies),
      cmocka_unit_test(test_descriptor_is_violation),
      cmocka_unit_test(test_broker_answers),
      cmocka_unit_test(test_open_limit),
      cmocka_unit_test(test_new_channel),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
