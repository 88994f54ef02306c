// Byte-range lock table of the broker (MS-FSA 2.1.5.8/2.1.5.9/2.1.4.10,
// MS-SMB2 3.3.5.14) and the lock messages of the master protocol.
#include <vector>

#include "common/ipc/lock_proto.h"
#include "common/ipc/master_proto.h"
#include "smbd-master/byte_locks.h"
#include "smbd-master/lock_broker.h"
#include "smbd-master/share_modes.h"

// cmocka last: its skip()/fail() macros clash with ByteReader members.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}


using namespace cifsd;
using namespace cifsd::master;

namespace {

const LockFileKey F{1, 2};
constexpr uint32_t EX = kLockExclusive | kLockFailImmediately, SH = kLockShared | kLockFailImmediately;

uint32_t one(ByteLockTable& t, uint64_t conn, uint64_t open, uint64_t off, uint64_t len, uint32_t flags,
             uint64_t waiter = 0, std::vector<LockGrant>* g = nullptr) {
  LockElement e{off, len, flags};
  std::vector<LockGrant> local;
  return t.request(F, conn, open, {&e, 1}, waiter, g ? g : &local);
}

void test_overlap_rules(void**) {
  // zero-length ranges touch only ranges strictly around their offset
  assert_false(ranges_overlap(10, 0, 10, 0));
  assert_false(ranges_overlap(10, 0, 9, 1));
  assert_false(ranges_overlap(10, 0, 10, 1));
  assert_true(ranges_overlap(10, 0, 9, 2));
  assert_true(ranges_overlap(9, 3, 10, 0));
  assert_false(ranges_overlap(0, 0, 0, 100));
  assert_true(ranges_overlap(0, 1, 0, 100));
  assert_true(ranges_overlap(~0ull, 1, ~0ull - 5, 6));
  assert_false(ranges_overlap(100, 50, 150, 10));
}

void test_conflicts_between_opens(void**) {
  ByteLockTable t;
  assert_int_equal(one(t, 1, 1, 0, 10, EX), kStatusSuccess);
  assert_int_equal(one(t, 1, 2, 5, 1, SH), kStatusLockNotGranted);  // other open, same session
  assert_int_equal(one(t, 2, 1, 9, 5, EX), kStatusLockNotGranted);  // other session
  assert_int_equal(one(t, 2, 1, 10, 5, EX), kStatusSuccess);
  assert_int_equal(one(t, 1, 1, 0, 10, EX), kStatusLockNotGranted);  // exclusive on own exclusive
  assert_int_equal(one(t, 1, 1, 0, 10, SH), kStatusSuccess);         // shared stacks on own exclusive
  assert_true(t.has_locks(F));
  assert_int_equal(t.lock_count(), 3);
}

void test_shared_locks(void**) {
  ByteLockTable t;
  assert_int_equal(one(t, 1, 1, 0, 10, SH), kStatusSuccess);
  assert_int_equal(one(t, 2, 1, 0, 10, SH), kStatusSuccess);
  assert_int_equal(one(t, 2, 1, 0, 10, EX), kStatusLockNotGranted);  // over shared, even own
  assert_int_equal(one(t, 1, 1, 5, 1, EX), kStatusLockNotGranted);
}

void test_unlock_exact_range(void**) {
  ByteLockTable t;
  assert_int_equal(one(t, 1, 1, 0, 10, EX), kStatusSuccess);
  assert_int_equal(one(t, 1, 1, 0, 10, kLockShared), kStatusSuccess);
  assert_int_equal(one(t, 1, 1, 0, 5, kLockUnlock), kStatusRangeNotLocked);  // not the exact range
  assert_int_equal(one(t, 1, 2, 0, 10, kLockUnlock), kStatusRangeNotLocked);  // not this open's
  assert_int_equal(one(t, 1, 1, 0, 10, kLockUnlock), kStatusSuccess);
  assert_int_equal(one(t, 1, 1, 0, 10, kLockUnlock), kStatusSuccess);
  assert_int_equal(one(t, 1, 1, 0, 10, kLockUnlock), kStatusRangeNotLocked);
  assert_false(t.has_locks(F));
  assert_int_equal(t.held_by_connection(1), 0);
}

void test_invalid_requests(void**) {
  ByteLockTable t;
  assert_int_equal(one(t, 1, 1, ~0ull, ~0ull, EX), kStatusInvalidLockRange);
  assert_int_equal(one(t, 1, 1, ~0ull, 2, EX), kStatusInvalidLockRange);
  assert_int_equal(one(t, 1, 1, ~0ull, 1, EX), kStatusSuccess);
  assert_int_equal(one(t, 1, 1, 1, 1, 0), kStatusInvalidParameter);
  assert_int_equal(one(t, 1, 1, 1, 1, kLockUnlock | kLockExclusive), kStatusInvalidParameter);
  assert_int_equal(one(t, 1, 1, 1, 1, kLockShared | kLockExclusive), kStatusInvalidParameter);
  // several locks must all fail immediately
  LockElement two[2] = {{100, 1, kLockExclusive}, {200, 1, kLockExclusive}};
  std::vector<LockGrant> g;
  assert_int_equal(t.request(F, 1, 1, two, 0, &g), kStatusInvalidParameter);
  // an unlock list stops at the first failure; earlier unlocks stay done
  LockElement ul[2] = {{~0ull, 1, kLockUnlock}, {5, 5, kLockUnlock}};
  assert_int_equal(t.request(F, 1, 1, ul, 0, &g), kStatusRangeNotLocked);
  assert_false(t.has_locks(F));
  // a lock list with an unlock in it fails and keeps none of its locks
  LockElement lu[2] = {{0, 10, kLockExclusive | kLockFailImmediately}, {0, 10, kLockUnlock}};
  assert_int_equal(t.request(F, 1, 1, lu, 0, &g), kStatusInvalidParameter);
  assert_false(t.has_locks(F));
  assert_int_equal(one(t, 2, 2, 0, 10, EX), kStatusSuccess);
}

void test_all_or_nothing(void**) {
  ByteLockTable t;
  assert_int_equal(one(t, 2, 1, 50, 10, EX), kStatusSuccess);
  LockElement els[3] = {{0, 10, EX}, {20, 10, SH}, {55, 1, EX}};
  std::vector<LockGrant> g;
  assert_int_equal(t.request(F, 1, 1, els, 0, &g), kStatusLockNotGranted);
  assert_int_equal(t.lock_count(), 1);  // the first two were taken back
  assert_int_equal(t.held_by_connection(1), 0);
}

void test_blocking_waiters(void**) {
  ByteLockTable t;
  std::vector<LockGrant> g;
  assert_int_equal(one(t, 1, 1, 100, 50, kLockExclusive), kStatusSuccess);
  assert_int_equal(one(t, 2, 7, 100, 50, kLockExclusive, 42, &g), kStatusPending);
  assert_int_equal(one(t, 3, 9, 120, 1, kLockShared, 43, &g), kStatusPending);
  assert_int_equal(t.waiter_count(), 2);
  // FAIL_IMMEDIATELY never waits
  assert_int_equal(one(t, 3, 9, 120, 1, SH, 44, &g), kStatusLockNotGranted);
  assert_int_equal(one(t, 1, 1, 100, 50, kLockUnlock, 0, &g), kStatusSuccess);
  // the first waiter gets the range; the second still conflicts with it
  assert_int_equal(g.size(), 1);
  assert_int_equal(g[0].conn_id, 2);
  assert_int_equal(g[0].waiter_id, 42);
  g.clear();
  // closing the granted open frees the range for the next waiter
  t.close_open(F, 2, 7, &g);
  assert_int_equal(g.size(), 1);
  assert_int_equal(g[0].waiter_id, 43);
  assert_int_equal(t.waiter_count(), 0);
}

void test_cancel_and_drop(void**) {
  ByteLockTable t;
  std::vector<LockGrant> g;
  assert_int_equal(one(t, 1, 1, 0, 10, kLockExclusive), kStatusSuccess);
  assert_int_equal(one(t, 2, 1, 0, 10, kLockExclusive, 5, &g), kStatusPending);
  assert_true(t.cancel(2, 5));
  assert_false(t.cancel(2, 5));
  assert_int_equal(one(t, 2, 1, 0, 10, kLockExclusive, 6, &g), kStatusPending);
  // the holder's process dies: its locks go and the waiter is granted
  auto files = t.drop_connection(1, &g);
  assert_int_equal(files.size(), 1);
  assert_int_equal(g.size(), 1);
  assert_int_equal(g[0].waiter_id, 6);
  assert_false(t.cancel(2, 6));  // granted already
  files = t.drop_connection(2, &g);
  assert_int_equal(t.lock_count(), 0);
  assert_int_equal(t.held_by_connection(2), 0);
}

void test_io_checks(void**) {
  ByteLockTable t;
  assert_int_equal(one(t, 1, 1, 0, 100, EX), kStatusSuccess);
  assert_int_equal(one(t, 1, 1, 100, 100, SH), kStatusSuccess);
  // exclusive: the owner reads and writes, others do neither
  assert_int_equal(t.check_io(F, 1, 1, 0, 10, true), kStatusSuccess);
  assert_int_equal(t.check_io(F, 1, 1, 0, 10, false), kStatusSuccess);
  assert_int_equal(t.check_io(F, 1, 2, 0, 10, false), kStatusFileLockConflict);
  assert_int_equal(t.check_io(F, 2, 1, 99, 1, true), kStatusFileLockConflict);
  // shared: everybody reads, nobody writes (the owner neither)
  assert_int_equal(t.check_io(F, 2, 1, 150, 10, false), kStatusSuccess);
  assert_int_equal(t.check_io(F, 2, 1, 150, 10, true), kStatusFileLockConflict);
  assert_int_equal(t.check_io(F, 1, 1, 150, 10, true), kStatusFileLockConflict);
  // zero-length I/O and ranges past the locks never conflict
  assert_int_equal(t.check_io(F, 2, 1, 5, 0, true), kStatusSuccess);
  assert_int_equal(t.check_io(F, 2, 1, 200, 10, true), kStatusSuccess);
}

void test_resource_bound(void**) {
  ByteLockTable t(3);
  for (uint64_t i = 0; i < 3; i++) assert_int_equal(one(t, 1, 1, i * 10, 1, EX), kStatusSuccess);
  assert_int_equal(one(t, 1, 1, 100, 1, EX), kStatusInsufficientResources);
  assert_int_equal(one(t, 2, 1, 100, 1, EX), kStatusSuccess);
}

std::vector<uint8_t> elems(std::initializer_list<LockElement> l) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  for (const LockElement& e : l) {
    w.u64(e.offset);
    w.u64(e.length);
    w.u32(e.flags);
  }
  return out;
}

ipc::Message frame(uint16_t type, const std::vector<uint8_t>& body) {
  ipc::Message m;
  m.type = type;
  m.seq = 1;
  m.payload = body;
  return m;
}

template <class Msg>
std::vector<uint8_t> enc(const Msg& msg) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  msg.encode(w);
  return out;
}

uint32_t answer_status(const SessionAction& a) {
  auto s = ipc::master::StatusAnswer::decode({a.payload.data(), a.payload.size()});
  return s ? s->status : 0xFFFFFFFF;
}

// Two sessions through the message layer: lock state notifications reach
// every opener, grants reach the waiter, foreign opens cannot be locked.
void test_broker_messages(void**) {
  namespace mp = ipc::master;
  ShareModeTable shares;
  ByteLockTable locks;
  std::vector<Notify> notes;
  assert_int_equal(shares.open(1, 10, 7, 8, kFileReadData | kFileWriteData, 7), kStatusSuccess);
  locks_after_frame(1, 0, shares, locks, &notes);
  assert_int_equal(notes.size(), 0);  // nothing locked yet
  assert_int_equal(shares.open(2, 20, 7, 8, kFileReadData | kFileWriteData, 7), kStatusSuccess);

  mp::LockRequest lr;
  lr.open_id = 10;
  lr.elements = elems({{0, 10, kLockExclusive}});
  SessionAction a = handle_lock_frame(1, frame(mp::kLock, enc(lr)), shares, locks);
  assert_int_equal(a.kind, SessionAction::kAnswer);
  assert_int_equal(a.type, mp::kLockAnswer);
  assert_int_equal(answer_status(a), kStatusSuccess);
  assert_int_equal(a.notify.size(), 2);  // both sessions learn the file has locks
  for (const Notify& n : a.notify) {
    assert_int_equal(n.type, mp::kLockStateNote);
    auto st = mp::LockState::decode({n.payload.data(), n.payload.size()});
    assert_true(st && st->locked && st->dev == 7 && st->ino == 8);
  }
  // session 2 checks a write, then waits for the range
  mp::LockCheck lc;
  lc.open_id = 20;
  lc.offset = 5;
  lc.length = 1;
  lc.write = true;
  a = handle_lock_frame(2, frame(mp::kLockCheck, enc(lc)), shares, locks);
  assert_int_equal(answer_status(a), kStatusFileLockConflict);
  lr.open_id = 20;
  lr.waiter_id = 99;
  a = handle_lock_frame(2, frame(mp::kLock, enc(lr)), shares, locks);
  assert_int_equal(answer_status(a), kStatusPending);
  // session 2 cannot lock through session 1's open id
  lr.open_id = 10;
  a = handle_lock_frame(2, frame(mp::kLock, enc(lr)), shares, locks);
  assert_int_equal(answer_status(a), 0xC0000128);
  // session 1 closes its open: session 2's waiter is granted
  notes.clear();
  locks_before_frame(1, frame(mp::kShareClose, enc(mp::ShareClose{10})), shares, locks, &notes);
  bool granted = false;
  for (const Notify& n : notes)
    if (n.type == mp::kLockGrantedNote) {
      auto g = mp::LockGranted::decode({n.payload.data(), n.payload.size()});
      granted = g && n.conn_id == 2 && g->waiter_id == 99 && g->status == kStatusSuccess;
    }
  assert_true(granted);
  // malformed requests are violations
  a = handle_lock_frame(1, frame(mp::kLock, {1, 2, 3}), shares, locks);
  assert_int_equal(a.kind, SessionAction::kViolation);
  lr.elements = {1, 2, 3};
  a = handle_lock_frame(1, frame(mp::kLock, enc(lr)), shares, locks);
  assert_int_equal(a.kind, SessionAction::kViolation);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_overlap_rules),       cmocka_unit_test(test_conflicts_between_opens),
      cmocka_unit_test(test_shared_locks),        cmocka_unit_test(test_unlock_exact_range),
      cmocka_unit_test(test_invalid_requests),    cmocka_unit_test(test_all_or_nothing),
      cmocka_unit_test(test_blocking_waiters),    cmocka_unit_test(test_cancel_and_drop),
      cmocka_unit_test(test_io_checks),           cmocka_unit_test(test_resource_bound),
      cmocka_unit_test(test_broker_messages),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
