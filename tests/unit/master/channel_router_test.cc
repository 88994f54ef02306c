// The master's multichannel routing (smbd-master/channel_router.h): a hand-off
// goes only to the live connection a SessionId names, never back to the
// sender, once per process, and only with the client socket attached.

#include <unistd.h>

#include <set>

#include "common/ipc/master_proto.h"
#include "smbd-master/channel_router.h"

// cmocka last: its skip()/fail() macros clash with ByteReader's methods.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::master;
namespace mp = ipc::master;

namespace {

ipc::Message handoff(uint64_t sid, bool with_fd, uint64_t claimed_from = 0) {
  mp::ChannelHandoff h;
  h.session_id = sid;
  h.from_conn = claimed_from;
  h.state = {1, 2, 3};
  ipc::Message m;
  m.type = mp::kChannelHandoff;
  m.seq = 7;
  ByteWriter w(m.payload);
  h.encode(w);
  if (with_fd) m.fd.reset(dup(0));
  return m;
}

const std::set<uint64_t> kLive = {1, 2, 5};
bool live(uint64_t c) { return kLive.count(c) != 0; }

void routes_to_owner(void**) {
  // Session id: connection 5 in bits 40-63.
  ipc::Message m = handoff((uint64_t(5) << 40) | 3, true, /*claimed*/ 99);
  HandoffRoute r = route_channel_handoff(2, m, false, live);
  assert_false(r.violation);
  assert_int_equal(r.status, 0);
  assert_int_equal(r.target, 5);
  auto n = mp::ChannelHandoff::decode({r.note.data(), r.note.size()});
  assert_true(n.has_value());
  assert_int_equal(n->session_id, (uint64_t(5) << 40) | 3);
  // The sender's claim about itself is replaced by what the master knows.
  assert_int_equal(n->from_conn, 2);
  assert_int_equal(n->state.size(), 3);
}

void unknown_or_own_session_is_deleted(void**) {
  ipc::Message dead = handoff((uint64_t(4) << 40) | 1, true);
  HandoffRoute r = route_channel_handoff(2, dead, false, live);
  assert_false(r.violation);
  assert_int_equal(r.status, 0xC0000203);
  assert_true(r.note.empty());
  ipc::Message own = handoff((uint64_t(2) << 40) | 1, true);
  r = route_channel_handoff(2, own, false, live);
  assert_int_equal(r.status, 0xC0000203);
  ipc::Message none = handoff(1, true);  // connection bits 0
  r = route_channel_handoff(2, none, false, live);
  assert_int_equal(r.status, 0xC0000203);
}

void needs_fd_and_valid_payload(void**) {
  ipc::Message m = handoff((uint64_t(5) << 40) | 3, false);
  assert_true(route_channel_handoff(2, m, false, live).violation);
  ipc::Message bad = handoff((uint64_t(5) << 40) | 3, true);
  bad.payload.push_back(0);  // trailing garbage
  assert_true(route_channel_handoff(2, bad, false, live).violation);
  ipc::Message zero = handoff(0, true);  // SessionId 0 fails validate()
  assert_true(route_channel_handoff(2, zero, false, live).violation);
}

void once_per_process(void**) {
  ipc::Message m = handoff((uint64_t(5) << 40) | 3, true);
  HandoffRoute r = route_channel_handoff(2, m, true, live);
  assert_false(r.violation);
  assert_int_equal(r.status, 0xC00000D0);
  assert_int_equal(r.target, 0);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(routes_to_owner),
      cmocka_unit_test(unknown_or_own_session_is_deleted),
      cmocka_unit_test(needs_fd_and_valid_payload),
      cmocka_unit_test(once_per_process),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
