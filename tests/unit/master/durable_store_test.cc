// Durable handles parked in the broker (smbd-master/durable_store.h,
// durable_broker.h): park, disconnect, reclaim by the same user only,
// create GUID and version checks, expiry, share records kept while parked.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "common/ipc/lock_proto.h"
#include "common/ipc/master_proto.h"
#include "smbd-master/durable_broker.h"
#include "smbd-master/durable_store.h"
#include "smbd-master/byte_locks.h"
#include "smbd-master/caching.h"
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

constexpr uint32_t kNotFound = 0xC0000034, kDenied = 0xC0000022;

DurableState state(uint64_t id, bool v2, uint8_t guid_byte) {
  DurableState s;
  s.persistent_id = id;
  s.v2 = v2;
  s.create_guid.fill(guid_byte);
  s.timeout_ms = 1000;
  s.uid = 1000;
  s.user = "alice";
  s.domain = "CIFSD";
  s.dev = 7;
  s.ino = 8;
  s.access = kFileReadData | kFileWriteData;
  s.share_access = 0;
  return s;
}

UniqueFd some_fd() { return UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC)); }

void test_park_reclaim(void**) {
  DurableStore d;
  assert_int_equal(d.park(1, 10, state(0x100, true, 0xAA), some_fd()), kStatusSuccess);
  DurableState out;
  UniqueFd fd;
  std::array<uint8_t, 16> guid;
  guid.fill(0xAA);
  // still connected: nothing to reclaim
  assert_int_equal(d.reclaim(0x100, guid, true, 1000, "alice", "CIFSD", 2, 20, 0, &out, &fd), kNotFound);
  auto gone = d.disconnect(1, 0);
  assert_int_equal(gone.size(), 1);
  assert_int_equal(gone[0].old_open_id, 10);
  // another user
  assert_int_equal(d.reclaim(0x100, guid, true, 1001, "bob", "CIFSD", 2, 20, 10, &out, &fd), kDenied);
  // wrong create GUID, unknown id
  std::array<uint8_t, 16> other;
  other.fill(0xBB);
  assert_int_equal(d.reclaim(0x100, other, true, 1000, "alice", "CIFSD", 2, 20, 10, &out, &fd), kNotFound);
  assert_int_equal(d.reclaim(0x101, guid, true, 1000, "alice", "CIFSD", 2, 20, 10, &out, &fd), kNotFound);
  // the owner, in time
  assert_int_equal(d.reclaim(0x100, guid, true, 1000, "alice", "CIFSD", 2, 20, 10, &out, &fd), kStatusSuccess);
  assert_true(fd.valid());
  assert_int_equal(out.ino, 8);
  // now connected to session 2: a second reclaim fails, session 2 may drop it
  assert_int_equal(d.reclaim(0x100, guid, true, 1000, "alice", "CIFSD", 3, 30, 10, &out, &fd), kNotFound);
  assert_false(d.drop(1, 0x100));
  assert_true(d.drop(2, 0x100));
  assert_int_equal(d.size(), 0);
}

// A v1 reconnect (no create GUID on the wire) takes back a v2 handle; a v2
// reconnect never takes back a v1 handle by a create GUID it never had.
void test_reclaim_across_versions(void**) {
  DurableStore d;
  DurableState out;
  UniqueFd fd;
  std::array<uint8_t, 16> guid;
  guid.fill(0xAA);
  assert_int_equal(d.park(1, 10, state(0x100, true, 0xAA), some_fd()), kStatusSuccess);
  assert_int_equal(d.park(1, 11, state(0x200, false, 0x00), some_fd()), kStatusSuccess);
  d.disconnect(1, 0);
  assert_int_equal(d.reclaim(0x200, guid, true, 1000, "alice", "CIFSD", 2, 20, 10, &out, &fd), kNotFound);
  assert_int_equal(d.reclaim(0x100, {}, false, 1000, "alice", "CIFSD", 2, 21, 10, &out, &fd), kStatusSuccess);
  assert_true(out.v2);
  assert_int_equal(d.reclaim(0x200, {}, false, 1000, "alice", "CIFSD", 2, 22, 10, &out, &fd), kStatusSuccess);
  assert_false(out.v2);
}

void test_expiry(void**) {
  DurableStore d;
  assert_int_equal(d.park(1, 10, state(0x100, false, 0), some_fd()), kStatusSuccess);
  assert_false(d.next_expiry().has_value());
  d.disconnect(1, 5000);
  assert_int_equal(*d.next_expiry(), 6000);
  assert_int_equal(d.expire(5999).size(), 0);
  DurableState out;
  UniqueFd fd;
  assert_int_equal(d.reclaim(0x100, {}, false, 1000, "alice", "CIFSD", 2, 20, 6000, &out, &fd), kNotFound);
  assert_int_equal(d.expire(6000).size(), 1);
  assert_int_equal(d.size(), 0);
}

void test_park_rules(void**) {
  DurableStore d(2);
  assert_int_equal(d.park(1, 10, state(0x100, false, 0), UniqueFd()), kStatusInvalidParameter);
  assert_int_equal(d.park(1, 10, state(0x100, false, 0), some_fd()), kStatusSuccess);
  // another session cannot take over the id
  assert_int_equal(d.park(2, 10, state(0x100, false, 0), some_fd()), kStatusInvalidParameter);
  assert_int_equal(d.park(1, 11, state(0x101, false, 0), some_fd()), kStatusSuccess);
  assert_int_equal(d.park(1, 12, state(0x102, false, 0), some_fd()), kStatusInsufficientResources);
}

// Through the broker layer: the share record stays while parked (a
// conflicting open is refused) and moves to the reclaiming session.
void test_share_records(void**) {
  namespace mp = ipc::master;
  ShareModeTable shares;
  DurableStore d;
  assert_int_equal(shares.open(1, 10, 7, 8, kFileReadData | kFileWriteData, 0), kStatusSuccess);
  // park through a message, with a real fd whose identity must match
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  struct stat sb;
  fstat(fd, &sb);
  shares.close(1, 10);
  assert_int_equal(shares.open(1, 10, file_dev(sb), sb.st_ino, kFileReadData, 0), kStatusSuccess);
  mp::DurablePark p;
  p.open_id = 10;
  p.info.persistent_id = 0x100;
  p.info.timeout_ms = 1000;
  p.info.uid = 1000;
  p.info.user = "alice";
  p.info.dev = file_dev(sb);
  p.info.ino = sb.st_ino;
  p.info.access = kFileReadData;
  ipc::Message m;
  m.type = mp::kDurablePark;
  m.seq = 1;
  ByteWriter w(m.payload);
  p.encode(w);
  UniqueFd ans_fd;
  CachingTable caching;
  // without the fd: refused
  SessionAction a = handle_durable_frame(1, m, shares, d, caching, 0, &ans_fd);
  auto st = mp::StatusAnswer::decode({a.payload.data(), a.payload.size()});
  assert_true(st && st->status == kStatusInvalidParameter);
  m.fd = UniqueFd(fd);
  // claiming another file: refused
  p.info.ino += 1;
  ipc::Message m2;
  m2.type = mp::kDurablePark;
  m2.seq = 2;
  ByteWriter w2(m2.payload);
  p.encode(w2);
  m2.fd = UniqueFd(dup(fd));
  a = handle_durable_frame(1, m2, shares, d, caching, 0, &ans_fd);
  st = mp::StatusAnswer::decode({a.payload.data(), a.payload.size()});
  assert_true(st && st->status == kStatusInvalidParameter);
  a = handle_durable_frame(1, m, shares, d, caching, 0, &ans_fd);
  st = mp::StatusAnswer::decode({a.payload.data(), a.payload.size()});
  assert_true(st && st->status == kStatusSuccess);
  // the session dies: the record is kept under the parked owner
  assert_int_equal(durable_on_disconnect(1, shares, d, 0), 1);
  shares.drop_connection(1);
  assert_int_equal(shares.opens_of(file_dev(sb), sb.st_ino), 1);
  assert_int_equal(shares.open(3, 1, file_dev(sb), sb.st_ino, kFileReadData, 7), kStatusSharingViolation);
  // bob cannot reclaim it
  mp::DurableReclaim r;
  r.persistent_id = 0x100;
  r.uid = 1001;
  r.user = "bob";
  r.new_open_id = 5;
  ipc::Message m3;
  m3.type = mp::kDurableReclaim;
  m3.seq = 3;
  ByteWriter w3(m3.payload);
  r.encode(w3);
  a = handle_durable_frame(2, m3, shares, d, caching, 10, &ans_fd);
  auto ra = mp::DurableReclaimAnswer::decode({a.payload.data(), a.payload.size()});
  assert_true(ra && ra->status == kDenied);
  assert_false(ans_fd.valid());
  // alice can
  r.uid = 1000;
  r.user = "alice";
  ipc::Message m4;
  m4.type = mp::kDurableReclaim;
  m4.seq = 4;
  ByteWriter w4(m4.payload);
  r.encode(w4);
  a = handle_durable_frame(2, m4, shares, d, caching, 10, &ans_fd);
  ra = mp::DurableReclaimAnswer::decode({a.payload.data(), a.payload.size()});
  assert_true(ra && ra->status == kStatusSuccess);
  assert_true(ans_fd.valid());
  assert_int_equal(shares.opens_of_connection(2), 1);
  assert_int_equal(shares.opens_of_connection(kParkedConn), 0);
  // expiry of a parked handle drops its record
  assert_int_equal(durable_on_disconnect(2, shares, d, 100), 1);
  shares.drop_connection(2);
  assert_int_equal(durable_expire(shares, d, 1100), 1);
  assert_int_equal(shares.opens_of(file_dev(sb), sb.st_ino), 0);
}

namespace mp = ipc::master;

ipc::Message reclaim_msg(const mp::DurableReclaim& r) {
  ipc::Message m;
  m.type = mp::kDurableReclaim;
  m.seq = 9;
  ByteWriter w(m.payload);
  r.encode(w);
  return m;
}

uint32_t reclaim_status(const SessionAction& a) {
  auto ra = mp::DurableReclaimAnswer::decode({a.payload.data(), a.payload.size()});
  assert_true(ra.has_value());
  return ra->status;
}

// A leased handle comes back only with its lease key, to its ClientGuid,
// and gets its lease back in the caching table (MS-SMB2 3.3.5.9.7).
void test_lease_reclaim(void**) {
  DurableStore d;
  ShareModeTable shares;
  CachingTable caching;
  DurableState s = state(0x200, false, 0);
  s.oplock_level = kOplockLease;
  s.client_guid.fill(0x11);
  s.lease_key.fill(0x22);
  s.lease_state = kLeaseR | kLeaseH | kLeaseW;
  s.lease_version = 1;
  assert_int_equal(shares.open(1, 10, s.dev, s.ino, s.access, s.share_access), kStatusSuccess);
  assert_int_equal(d.park(1, 10, s, some_fd()), kStatusSuccess);
  assert_int_equal(durable_on_disconnect(1, shares, d, 0), 1);
  shares.drop_connection(1);
  mp::DurableReclaim r;
  r.persistent_id = 0x200;
  r.uid = 1000;
  r.user = "alice";
  r.domain = "CIFSD";
  r.new_open_id = 5;
  r.client_guid.fill(0x11);
  UniqueFd fd;
  // no lease context
  assert_int_equal(reclaim_status(handle_durable_frame(2, reclaim_msg(r), shares, d, caching, 1, &fd)),
                   kNotFound);
  // another lease key
  r.with_lease = true;
  r.lease_key.fill(0x23);
  assert_int_equal(reclaim_status(handle_durable_frame(2, reclaim_msg(r), shares, d, caching, 1, &fd)),
                   kNotFound);
  // another client
  r.lease_key.fill(0x22);
  r.client_guid.fill(0x12);
  assert_int_equal(reclaim_status(handle_durable_frame(2, reclaim_msg(r), shares, d, caching, 1, &fd)),
                   kNotFound);
  assert_false(fd.valid());
  r.client_guid.fill(0x11);
  SessionAction a = handle_durable_frame(2, reclaim_msg(r), shares, d, caching, 1, &fd);
  auto ra = mp::DurableReclaimAnswer::decode({a.payload.data(), a.payload.size()});
  assert_true(ra && ra->status == kStatusSuccess);
  assert_true(fd.valid());
  assert_int_equal(ra->info.oplock_level, kOplockLease);
  assert_int_equal(ra->info.lease_state, kLeaseR | kLeaseH | kLeaseW);
  CachingTable::Guid g, k;
  g.fill(0x11);
  k.fill(0x22);
  assert_int_equal(caching.lease_state_of(g, k), int(kLeaseR | kLeaseH | kLeaseW));
  assert_int_equal(caching.oplock_of(2, 5), kOplockLease);
}

ipc::Message caching_open_msg(uint64_t dev, uint64_t ino, uint32_t access, uint32_t share) {
  mp::CachingOpen co;
  co.share.open_id = 1;
  co.share.dev = dev;
  co.share.ino = ino;
  co.share.access = access;
  co.share.share_access = share;
  ipc::Message m;
  m.type = mp::kCachingOpen;
  m.seq = 3;
  ByteWriter w(m.payload);
  co.encode(w);
  return m;
}

// A disconnected handle whose batch oplock another open would break is
// closed (purged) before that open is decided; a stat open leaves it.
void test_purge_on_conflict(void**) {
  DurableStore d;
  ShareModeTable shares;
  DurableState s = state(0x300, false, 0);
  s.oplock_level = kOplockBatch;
  assert_int_equal(shares.open(1, 10, s.dev, s.ino, s.access, s.share_access), kStatusSuccess);
  assert_int_equal(d.park(1, 10, s, some_fd()), kStatusSuccess);
  // while its session lives nothing is purged
  assert_int_equal(durable_before_open(caching_open_msg(7, 8, kFileReadData, 7), shares, d), 0);
  assert_int_equal(durable_on_disconnect(1, shares, d, 0), 1);
  shares.drop_connection(1);
  assert_int_equal(durable_before_open(caching_open_msg(7, 8, 0x80, 7), shares, d), 0);  // stat open
  assert_int_equal(durable_before_open(caching_open_msg(7, 9, kFileReadData, 7), shares, d), 0);  // other file
  assert_int_equal(d.size(), 1);
  assert_int_equal(durable_before_open(caching_open_msg(7, 8, kFileReadData, 7), shares, d), 1);
  assert_int_equal(d.size(), 0);
  assert_int_equal(shares.opens_of(7, 8), 0);

  // A lease with RH only survives an open that shares with it.
  DurableState l = state(0x301, false, 0);
  l.oplock_level = kOplockLease;
  l.lease_state = kLeaseR | kLeaseH;
  l.share_access = 7;
  assert_int_equal(shares.open(1, 11, l.dev, l.ino, l.access, l.share_access), kStatusSuccess);
  assert_int_equal(d.park(1, 11, l, some_fd()), kStatusSuccess);
  assert_int_equal(durable_on_disconnect(1, shares, d, 0), 1);
  shares.drop_connection(1);
  assert_int_equal(durable_before_open(caching_open_msg(7, 8, kFileReadData, 7), shares, d), 0);
  // ... but not one that would be a sharing violation (handle caching breaks)
  assert_int_equal(durable_before_open(caching_open_msg(7, 8, kFileReadData, 0), shares, d), 1);
  assert_int_equal(d.size(), 0);
}

// A session replaced by a reconnect disconnects its handles one by one.
void test_disconnect_one(void**) {
  DurableStore d;
  assert_int_equal(d.park(1, 10, state(0x400, false, 0), some_fd()), kStatusSuccess);
  DurableStore::Disconnected one;
  assert_false(d.disconnect_one(2, 0x400, 0, &one));  // not that session's
  assert_true(d.disconnect_one(1, 0x400, 0, &one));
  assert_int_equal(one.old_open_id, 10);
  assert_false(d.disconnect_one(1, 0x400, 0, &one));  // already disconnected
  assert_int_equal(d.disconnected_count(), 1);
  bool connected = true;
  assert_non_null(d.find(0x400, &connected));
  assert_false(connected);
  std::array<uint8_t, 16> guid{};
  DurableState out;
  UniqueFd fd;
  assert_int_equal(d.reclaim(0x400, guid, false, 1000, "alice", "CIFSD", 3, 30, 5, &out, &fd), kStatusSuccess);
  assert_null(d.find(0x999, &connected));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_park_reclaim),
      cmocka_unit_test(test_reclaim_across_versions),
      cmocka_unit_test(test_expiry),
      cmocka_unit_test(test_park_rules),
      cmocka_unit_test(test_share_records),
      cmocka_unit_test(test_lease_reclaim),
      cmocka_unit_test(test_purge_on_conflict),
      cmocka_unit_test(test_disconnect_one),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
