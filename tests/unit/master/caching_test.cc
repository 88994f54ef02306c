// The broker's oplock/lease logic (smbd-master/caching.h), driven through
// the session-channel state machine like the master does.
#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"
#include "smbd-master/caching.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/share_modes.h"

// cmocka last: its skip() macro clashes with ByteReader::skip.
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

constexpr uint32_t R = kFileReadData, W = kFileWriteData;
constexpr uint32_t kShareAll = kShareRead | kShareWrite | kShareDelete;

struct Broker {
  ShareModeTable shares;
  CachingTable caching;
  int64_t now = 1000;

  // One CachingOpen through the real frame handler.
  SessionAction open(uint64_t conn, const mp::CachingOpen& req, mp::CachingOpenAnswer* ans) {
    std::vector<uint8_t> body;
    ByteWriter w(body);
    req.encode(w);
    return frame(conn, mp::kCachingOpen, body, ans);
  }
  template <class A>
  SessionAction frame(uint64_t conn, uint16_t type, const std::vector<uint8_t>& body, A* ans) {
    ipc::Message m;
    m.type = type;
    m.seq = 1;
    m.payload = body;
    SessionState st{conn, true};
    SessionAction a = handle_session_frame(st, m, shares, {}, 100, &caching, now);
    if (ans && a.kind == SessionAction::kAnswer) {
      auto d = A::decode({a.payload.data(), a.payload.size()});
      assert_true(d.has_value());
      *ans = *d;
    }
    return a;
  }
};

mp::CachingOpen oplock_open(uint64_t open_id, uint8_t level, uint32_t access = R | W,
                            uint32_t share = kShareAll) {
  mp::CachingOpen o;
  o.share.open_id = open_id;
  o.share.dev = 1;
  o.share.ino = 42;
  o.share.access = access;
  o.share.share_access = share;
  o.wait_id = open_id + 1000;
  o.oplock = level;
  return o;
}

mp::CachingOpen lease_open(uint64_t open_id, uint8_t guid, uint8_t key, uint32_t state,
                           uint32_t access = R | W) {
  mp::CachingOpen o = oplock_open(open_id, kOplockLease, access);
  o.lease_version = 2;
  o.client_guid.fill(guid);
  o.lease_key.fill(key);
  o.lease_state = state;
  o.epoch = 7;
  return o;
}

const Notify* find_note(const SessionAction& a, uint16_t type) {
  for (const Notify& n : a.notify)
    if (n.type == type) return &n;
  return nullptr;
}

void test_batch_break_to_level2_and_wait(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockBatch), &ans);
  assert_int_equal(ans.status, 0);
  assert_int_equal(ans.oplock, kOplockBatch);

  // A second client's open: the holder gets a break to level II, the opener waits.
  SessionAction a = b.open(2, oplock_open(5, kOplockNone), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  const Notify* n = find_note(a, mp::kOplockBreakNote);
  assert_non_null(n);
  assert_int_equal(n->conn_id, 1);
  auto bn = mp::OplockBreakNote::decode({n->payload.data(), n->payload.size()});
  assert_true(bn.has_value());
  assert_int_equal(bn->open_id, 1);
  assert_int_equal(bn->level, kOplockII);
  assert_int_equal(b.shares.open_count(), 1);  // the waiting open is not registered
  assert_int_equal(b.caching.waiter_count(), 1);

  // Retrying before the ack waits again, without a second break.
  a = b.open(2, oplock_open(5, kOplockNone), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  assert_null(find_note(a, mp::kOplockBreakNote));
  assert_int_equal(b.caching.waiter_count(), 1);

  // A wrong level in the ack fails and ends the oplock.
  std::vector<uint8_t> body;
  ByteWriter w(body);
  mp::OplockAck{1, kOplockII}.encode(w);
  mp::LevelAnswer la;
  a = b.frame(1, mp::kOplockAck, body, &la);
  assert_int_equal(la.status, 0);
  assert_int_equal(la.level, kOplockII);
  n = find_note(a, mp::kBreakResolvedNote);
  assert_non_null(n);
  assert_int_equal(n->conn_id, 2);
  auto rn = mp::IdNote::decode({n->payload.data(), n->payload.size()});
  assert_int_equal(rn->id, 1005);
  assert_int_equal(b.caching.waiter_count(), 0);

  // The retry now gets through; an exclusive request gets level II only.
  b.open(2, oplock_open(5, kOplockExclusive), &ans);
  assert_int_equal(ans.status, 0);
  assert_int_equal(ans.oplock, kOplockII);
  assert_int_equal(ans.others_read, 1);

  // A second ack is refused: nothing is breaking.
  a = b.frame(1, mp::kOplockAck, body, &la);
  assert_int_equal(la.status, kStatusInvalidDeviceState);
}

void test_oplock_ack_wrong_level(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockExclusive), &ans);
  assert_int_equal(ans.oplock, kOplockExclusive);
  b.open(2, oplock_open(2, kOplockNone), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  std::vector<uint8_t> body;
  ByteWriter w(body);
  mp::OplockAck{1, kOplockBatch}.encode(w);
  mp::LevelAnswer la;
  b.frame(1, mp::kOplockAck, body, &la);
  assert_int_equal(la.status, kStatusInvalidOplockProtocol);
  assert_int_equal(b.caching.oplock_of(1, 1), kOplockNone);
}

void test_stat_open_does_not_break(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockBatch), &ans);
  SessionAction a = b.open(2, oplock_open(2, kOplockNone, 0x80 /* read attributes */, 0), &ans);
  assert_int_equal(ans.status, 0);
  assert_true(a.notify.empty());
  assert_int_equal(b.caching.oplock_of(1, 1), kOplockBatch);
  // READ_CONTROL is a stat open for leases only: it breaks an oplock.
  a = b.open(3, oplock_open(3, kOplockNone, 0x20000, kShareAll), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  assert_non_null(find_note(a, mp::kOplockBreakNote));
}

void test_violation_keeps_exclusive(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockExclusive, R | W, 0), &ans);
  assert_int_equal(ans.oplock, kOplockExclusive);
  // This open fails with a sharing violation; an exclusive oplock (no
  // handle caching) is not broken for it.
  SessionAction a = b.open(2, oplock_open(2, kOplockNone), &ans);
  assert_int_equal(ans.status, kStatusSharingViolation);
  assert_true(a.notify.empty());
  assert_int_equal(b.caching.oplock_of(1, 1), kOplockExclusive);
}

void test_timeout_breaks_to_none(void**) {
  Broker b;
  b.caching.set_break_timeout_ms(500);
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockBatch), &ans);
  b.open(2, oplock_open(2, kOplockNone), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  assert_int_equal(b.caching.next_deadline(), 1500);
  std::vector<Notify> notes;
  b.caching.expire(1499, &notes);
  assert_true(notes.empty());
  b.caching.expire(1500, &notes);
  assert_int_equal(notes.size(), 1);
  assert_int_equal(notes[0].type, mp::kBreakResolvedNote);
  assert_int_equal(b.caching.oplock_of(1, 1), kOplockNone);
  assert_int_equal(b.caching.next_deadline(), 0);
}

void test_close_resolves_and_sharing_violation_breaks_handle(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  // RWH lease held by client 1 on an open that shares nothing.
  mp::CachingOpen first = lease_open(1, 0xA1, 0x11, kLeaseR | kLeaseW | kLeaseH);
  first.share.share_access = 0;
  b.open(1, first, &ans);
  assert_int_equal(ans.oplock, kOplockLease);
  assert_int_equal(ans.lease_state, kLeaseR | kLeaseW | kLeaseH);
  assert_int_equal(ans.epoch, 8);

  // Client 2 would get a sharing violation: H must go too, break to R.
  SessionAction a = b.open(2, oplock_open(2, kOplockNone), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  const Notify* n = find_note(a, mp::kLeaseBreakNote);
  assert_non_null(n);
  auto ln = mp::LeaseBreakNote::decode({n->payload.data(), n->payload.size()});
  assert_int_equal(ln->current, kLeaseR | kLeaseW | kLeaseH);
  assert_int_equal(ln->next, kLeaseR);
  assert_int_equal(ln->flags, kBreakFlagAckRequired);
  assert_int_equal(ln->epoch, 9);

  // The holder closes instead of acknowledging: the waiter retries.
  std::vector<uint8_t> body;
  ByteWriter w(body);
  mp::ShareClose{1}.encode(w);
  mp::StatusAnswer sa;
  a = b.frame(1, mp::kShareClose, body, &sa);
  assert_non_null(find_note(a, mp::kBreakResolvedNote));
  assert_int_equal(b.caching.lease_count(), 0);
  b.open(2, oplock_open(2, kOplockNone), &ans);
  assert_int_equal(ans.status, 0);
}

void test_lease_ack_rules_and_shared_key(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  CachingTable::Guid g1, k1;
  g1.fill(0xA1);
  k1.fill(0x11);
  b.open(1, lease_open(1, 0xA1, 0x11, kLeaseR | kLeaseW | kLeaseH), &ans);
  // Same client, same key, second open: shares the lease, no break.
  SessionAction a = b.open(1, lease_open(2, 0xA1, 0x11, kLeaseR | kLeaseW | kLeaseH), &ans);
  assert_int_equal(ans.status, 0);
  assert_true(a.notify.empty());
  assert_int_equal(ans.lease_state, kLeaseR | kLeaseW | kLeaseH);

  // Another client with a lease: W breaks (RWH -> RH), it waits.
  a = b.open(2, lease_open(3, 0xB2, 0x22, kLeaseR | kLeaseH), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);

  auto ack = [&](uint64_t conn, uint32_t state, mp::LevelAnswer* la,
                 const CachingTable::Guid* guid = nullptr) {
    std::vector<uint8_t> body;
    ByteWriter w(body);
    mp::LeaseAck l;
    l.client_guid = guid ? *guid : g1;
    l.lease_key = k1;
    l.lease_state = state;
    l.encode(w);
    return b.frame(conn, mp::kLeaseAck, body, la);
  };
  mp::LevelAnswer la;
  CachingTable::Guid g2;
  g2.fill(0xB2);
  ack(2, kLeaseR, &la, &g2);  // client 2 has no lease with that key
  assert_int_equal(la.status, kStatusObjectNameNotFound);
  ack(1, kLeaseR | kLeaseW | kLeaseH, &la);  // more than the break allows
  assert_int_equal(la.status, kStatusRequestNotAccepted);
  // Another connection of the same client may acknowledge (same ClientGuid).
  a = ack(3, kLeaseR | kLeaseH, &la);
  assert_int_equal(la.status, 0);
  assert_non_null(find_note(a, mp::kBreakResolvedNote));
  ack(1, kLeaseR, &la);
  assert_int_equal(la.status, kStatusUnsuccessful);

  b.open(2, lease_open(3, 0xB2, 0x22, kLeaseR | kLeaseH | kLeaseW), &ans);
  assert_int_equal(ans.status, 0);
  assert_int_equal(ans.lease_state, kLeaseR | kLeaseH);  // no W: others have it open
  assert_int_equal(b.caching.lease_state_of(g1, k1), kLeaseR | kLeaseH);

  // The same key on another file is refused.
  mp::CachingOpen other = lease_open(4, 0xA1, 0x11, kLeaseR);
  other.share.ino = 43;
  b.open(1, other, &ans);
  assert_int_equal(ans.status, kStatusInvalidParameter);
}

void test_write_breaks_read_caches(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockII, R), &ans);
  assert_int_equal(ans.oplock, kOplockII);
  // A writer: told that others cache reads.
  b.open(2, oplock_open(2, kOplockNone), &ans);
  assert_int_equal(ans.status, 0);
  assert_int_equal(ans.others_read, 1);
  std::vector<uint8_t> body;
  ByteWriter w(body);
  mp::IdNote{2}.encode(w);
  mp::StatusAnswer none;
  SessionAction a = b.frame<mp::StatusAnswer>(2, mp::kCachingWriteNote, body, nullptr);
  (void)none;
  assert_int_equal(a.kind, SessionAction::kNone);
  const Notify* n = find_note(a, mp::kOplockBreakNote);
  assert_non_null(n);
  assert_int_equal(n->conn_id, 1);
  assert_int_equal(b.caching.oplock_of(1, 1), kOplockNone);
  // A new level II holder makes the writer hear about it.
  a = b.open(3, oplock_open(3, kOplockII, R), &ans);
  assert_int_equal(ans.oplock, kOplockII);
  n = find_note(a, mp::kReadCachesNote);
  assert_non_null(n);
  assert_int_equal(n->conn_id, 2);
}

void test_overwrite_breaks_level2_without_wait(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockII, R), &ans);
  mp::CachingOpen ow = oplock_open(2, kOplockNone);
  ow.flags = mp::kCacheFlagOverwrite;
  SessionAction a = b.open(2, ow, &ans);
  assert_int_equal(ans.status, 0);
  assert_non_null(find_note(a, mp::kOplockBreakNote));
  assert_int_equal(b.caching.oplock_of(1, 1), kOplockNone);
}

void test_drop_connection(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockBatch), &ans);
  b.open(2, oplock_open(2, kOplockNone), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  std::vector<Notify> notes;
  b.caching.drop_connection(1, &notes);
  b.shares.drop_connection(1);
  assert_int_equal(notes.size(), 1);
  assert_int_equal(notes[0].conn_id, 2);
  b.caching.drop_connection(2, &notes);
  assert_int_equal(b.caching.open_count(), 0);
  assert_int_equal(b.caching.file_count(), 0);
  assert_int_equal(b.caching.waiter_count(), 0);
}

mp::LevelAnswer lease_ack(Broker& b, uint64_t conn, uint8_t guid, uint8_t key, uint32_t state,
                          SessionAction* out = nullptr) {
  std::vector<uint8_t> body;
  ByteWriter w(body);
  mp::LeaseAck l;
  l.client_guid.fill(guid);
  l.lease_key.fill(key);
  l.lease_state = state;
  l.encode(w);
  mp::LevelAnswer la;
  SessionAction a = b.frame(conn, mp::kLeaseAck, body, &la);
  if (out) *out = a;
  return la;
}

SessionAction write_note(Broker& b, uint64_t conn, uint64_t open_id) {
  std::vector<uint8_t> body;
  ByteWriter w(body);
  mp::IdNote{open_id}.encode(w);
  return b.frame<mp::StatusAnswer>(conn, mp::kCachingWriteNote, body, nullptr);
}

constexpr uint32_t kAttrOnly = 0x80 | 0x100 | 0x100000;  // read/write attributes, synchronize

void test_stat_open_oplock_rules(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  // Alone, an attribute-only open gets the batch oplock it asks for.
  b.open(1, oplock_open(1, kOplockBatch, kAttrOnly), &ans);
  assert_int_equal(ans.oplock, kOplockBatch);
  // A second attribute-only open breaks nothing and gets none.
  SessionAction a = b.open(2, oplock_open(2, kOplockBatch, kAttrOnly), &ans);
  assert_int_equal(ans.status, 0);
  assert_true(a.notify.empty());
  assert_int_equal(ans.oplock, kOplockNone);
  // An attribute-only overwrite is no stat open: it breaks the batch.
  mp::CachingOpen ow = oplock_open(3, kOplockBatch, kAttrOnly);
  ow.flags = mp::kCacheFlagOverwrite;
  a = b.open(3, ow, &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  assert_non_null(find_note(a, mp::kOplockBreakNote));
}

void test_write_breaks_own_level2(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, oplock_open(1, kOplockII), &ans);
  assert_int_equal(ans.oplock, kOplockII);
  SessionAction a = write_note(b, 1, 1);
  const Notify* n = find_note(a, mp::kOplockBreakNote);
  assert_non_null(n);
  assert_int_equal(n->conn_id, 1);
  assert_int_equal(b.caching.oplock_of(1, 1), kOplockNone);
  // Acknowledging a break from level II to none is a protocol error.
  std::vector<uint8_t> body;
  ByteWriter w(body);
  mp::OplockAck{1, kOplockNone}.encode(w);
  mp::LevelAnswer la;
  b.frame(1, mp::kOplockAck, body, &la);
  assert_int_equal(la.status, kStatusInvalidOplockProtocol);
}

void test_lease_upgrade_all_or_nothing(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, lease_open(1, 0xA1, 0x11, kLeaseR), &ans);
  b.open(1, lease_open(2, 0xA1, 0x22, kLeaseR | kLeaseH), &ans);
  assert_int_equal(ans.lease_state, kLeaseR | kLeaseH);
  // R -> RWH cannot get W next to another lease: the lease stays R.
  b.open(1, lease_open(3, 0xA1, 0x11, kLeaseR | kLeaseW | kLeaseH), &ans);
  assert_int_equal(ans.status, 0);
  assert_int_equal(ans.lease_state, kLeaseR);
  // R -> RH can be granted whole.
  b.open(1, lease_open(4, 0xA1, 0x11, kLeaseR | kLeaseH), &ans);
  assert_int_equal(ans.lease_state, kLeaseR | kLeaseH);
  assert_int_equal(ans.lease_version, 2);
}

void test_lease_and_oplock_mix(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, lease_open(1, 0xA1, 0x11, kLeaseR | kLeaseH), &ans);
  // Next to a handle-caching lease an oplock request gets none.
  b.open(2, oplock_open(2, kOplockBatch), &ans);
  assert_int_equal(ans.status, 0);
  assert_int_equal(ans.oplock, kOplockNone);

  Broker c;
  c.open(1, oplock_open(1, kOplockII), &ans);
  // Next to an oplock a lease caches reads only.
  c.open(2, lease_open(2, 0xB2, 0x22, kLeaseR | kLeaseH), &ans);
  assert_int_equal(ans.status, 0);
  assert_int_equal(ans.lease_state, kLeaseR);
}

void test_lease_overwrite_breaks_handle_first(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, lease_open(1, 0xA1, 0x11, kLeaseR | kLeaseH), &ans);
  mp::CachingOpen ow = oplock_open(2, kOplockNone);
  ow.flags = mp::kCacheFlagOverwrite;
  SessionAction a = b.open(2, ow, &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  const Notify* n = find_note(a, mp::kLeaseBreakNote);
  assert_non_null(n);
  auto ln = mp::LeaseBreakNote::decode({n->payload.data(), n->payload.size()});
  assert_int_equal(ln->next, kLeaseR);  // H first, acknowledged
  assert_int_equal(lease_ack(b, 1, 0xA1, 0x11, kLeaseR).status, 0);
  // The retry drops R without an acknowledgment and goes through.
  a = b.open(2, ow, &ans);
  assert_int_equal(ans.status, 0);
  n = find_note(a, mp::kLeaseBreakNote);
  assert_non_null(n);
  ln = mp::LeaseBreakNote::decode({n->payload.data(), n->payload.size()});
  assert_int_equal(ln->next, 0);
  assert_int_equal(ln->flags, 0);
}

void test_lease_timeout_to_none(void**) {
  Broker b;
  b.caching.set_break_timeout_ms(100);
  mp::CachingOpenAnswer ans;
  b.open(1, lease_open(1, 0xA1, 0x11, kLeaseR | kLeaseW | kLeaseH), &ans);
  b.open(2, lease_open(2, 0xB2, 0x22, kLeaseR | kLeaseW | kLeaseH), &ans);
  assert_int_equal(ans.status, mp::kStatusPendingBreak);
  std::vector<Notify> notes;
  b.caching.expire(b.now + 100, &notes);
  CachingTable::Guid g, k;
  g.fill(0xA1);
  k.fill(0x11);
  assert_int_equal(b.caching.lease_state_of(g, k), 0);
  assert_int_equal(lease_ack(b, 1, 0xA1, 0x11, kLeaseR | kLeaseH).status, kStatusUnsuccessful);
}

void test_rename_breaks_other_handle_leases(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  b.open(1, lease_open(1, 0xA1, 0x11, kLeaseR | kLeaseH), &ans);
  b.open(1, lease_open(2, 0xA1, 0x22, kLeaseR | kLeaseH), &ans);
  std::vector<uint8_t> body;
  ByteWriter w(body);
  mp::CachingBreak{1, kLeaseH}.encode(w);
  SessionAction a = b.frame<mp::StatusAnswer>(1, mp::kCachingBreakNote, body, nullptr);
  assert_int_equal(a.kind, SessionAction::kNone);
  assert_int_equal(a.notify.size(), 1);  // only the other key's lease
  auto ln = mp::LeaseBreakNote::decode({a.notify[0].payload.data(), a.notify[0].payload.size()});
  assert_int_equal(ln->lease_key[0], 0x22);
  assert_int_equal(ln->next, kLeaseR);
}

// Directory leases: R and H only; a change in the directory breaks every
// lease on it to none but the one the change's parent lease key names.
void test_directory_lease(void**) {
  Broker b;
  mp::CachingOpenAnswer ans;
  mp::CachingOpen d1 = lease_open(1, 0xA1, 0x11, kLeaseR | kLeaseH | kLeaseW, R);
  d1.flags = mp::kCacheFlagDirectory;
  b.open(1, d1, &ans);
  assert_int_equal(ans.status, kStatusSuccess);
  assert_int_equal(ans.oplock, kOplockLease);
  assert_int_equal(ans.lease_state, kLeaseR | kLeaseH);  // never W on a directory
  assert_int_equal(ans.epoch, 8);
  mp::CachingOpen d2 = lease_open(2, 0xB2, 0x22, kLeaseR, R);
  d2.flags = mp::kCacheFlagDirectory;
  b.open(2, d2, &ans);
  assert_int_equal(ans.lease_state, kLeaseR);

  auto change = [&](uint8_t guid, uint8_t parent, bool has_parent) {
    mp::DirChanged dc;
    dc.dev = 1;
    dc.ino = 42;
    dc.client_guid.fill(guid);
    dc.parent_key.fill(parent);
    dc.has_parent = has_parent ? 1 : 0;
    std::vector<uint8_t> body;
    ByteWriter w(body);
    dc.encode(w);
    return b.frame<mp::StatusAnswer>(3, mp::kDirChangedNote, body, nullptr);
  };
  // Client A changes it under its own directory lease: only B's lease breaks.
  SessionAction a = change(0xA1, 0x11, true);
  assert_int_equal(a.kind, SessionAction::kNone);
  assert_int_equal(a.notify.size(), 1);
  assert_int_equal(a.notify[0].conn_id, 2);
  auto ln = mp::LeaseBreakNote::decode({a.notify[0].payload.data(), a.notify[0].payload.size()});
  assert_true(ln.has_value());
  assert_int_equal(ln->next, 0);
  assert_int_equal(ln->flags, 0);  // R to none needs no acknowledgment
  assert_int_equal(b.caching.lease_state_of(d2.client_guid, d2.lease_key), 0);
  // The same client without a parent key (another of its leases): A's breaks,
  // with an acknowledgment (it held H), and a second change adds nothing.
  a = change(0xA1, 0x99, false);
  assert_int_equal(a.notify.size(), 1);
  assert_int_equal(a.notify[0].conn_id, 1);
  ln = mp::LeaseBreakNote::decode({a.notify[0].payload.data(), a.notify[0].payload.size()});
  assert_int_equal(ln->current, kLeaseR | kLeaseH);
  assert_int_equal(ln->next, 0);
  assert_int_equal(ln->flags, kBreakFlagAckRequired);
  assert_int_equal(ln->epoch, 9);
  assert_int_equal(change(0xB2, 0, false).notify.size(), 0);
  // A directory nobody leases: nothing.
  mp::DirChanged other;
  other.dev = 5;
  other.ino = 6;
  std::vector<uint8_t> body;
  ByteWriter w(body);
  other.encode(w);
  assert_int_equal(b.frame<mp::StatusAnswer>(3, mp::kDirChangedNote, body, nullptr).notify.size(), 0);
  // Malformed: a violation.
  body.back() = 2;
  assert_int_equal(b.frame<mp::StatusAnswer>(3, mp::kDirChangedNote, body, nullptr).kind,
                   SessionAction::kViolation);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_break_to_level2_and_wait),
      cmocka_unit_test(test_oplock_ack_wrong_level),
      cmocka_unit_test(test_stat_open_does_not_break),
      cmocka_unit_test(test_violation_keeps_exclusive),
      cmocka_unit_test(test_timeout_breaks_to_none),
      cmocka_unit_test(test_close_resolves_and_sharing_violation_breaks_handle),
      cmocka_unit_test(test_lease_ack_rules_and_shared_key),
      cmocka_unit_test(test_write_breaks_read_caches),
      cmocka_unit_test(test_overwrite_breaks_level2_without_wait),
      cmocka_unit_test(test_drop_connection),
      cmocka_unit_test(test_stat_open_oplock_rules),
      cmocka_unit_test(test_write_breaks_own_level2),
      cmocka_unit_test(test_lease_upgrade_all_or_nothing),
      cmocka_unit_test(test_lease_and_oplock_mix),
      cmocka_unit_test(test_lease_overwrite_breaks_handle_first),
      cmocka_unit_test(test_lease_timeout_to_none),
      cmocka_unit_test(test_rename_breaks_other_handle_leases),
      cmocka_unit_test(test_directory_lease),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
