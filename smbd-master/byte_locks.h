#pragma once
// The broker's byte-range lock table (MS-FSA 2.1.5.8/2.1.5.9 locking and
// unlocking, 2.1.4.10 conflicts; MS-SMB2 3.3.5.14 element processing):
// every SMB2 byte-range lock of every session, keyed by the file's
// (dev, ino), owned by (connection id, open id). Blocking requests wait here
// as waiters and are granted in arrival order when a range frees.
// Pure data structure: no I/O, unit-tested in tests/unit/master.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <utility>
#include <vector>

namespace cifsd::master {

// SMB2_LOCK_ELEMENT flags (MS-SMB2 2.2.26.1).
constexpr uint32_t kLockShared = 0x1, kLockExclusive = 0x2, kLockUnlock = 0x4,
                   kLockFailImmediately = 0x10;

constexpr uint32_t kStatusPending = 0x00000103;
constexpr uint32_t kStatusLockNotGranted = 0xC0000055;
constexpr uint32_t kStatusRangeNotLocked = 0xC000007E;
constexpr uint32_t kStatusFileLockConflict = 0xC0000054;
constexpr uint32_t kStatusInvalidLockRange = 0xC00001A1;
constexpr uint32_t kStatusInsufficientResources = 0xC000009A;

struct LockElement {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t flags = 0;
};

struct ByteLock {
  uint64_t conn_id = 0;
  uint64_t open_id = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  bool exclusive = false;
};

// A blocking request that was granted (or ended) later: the session that
// waits for it is told with a notification.
struct LockGrant {
  uint64_t conn_id = 0;
  uint64_t waiter_id = 0;
  uint32_t status = 0;
};

using LockFileKey = std::pair<uint64_t, uint64_t>;  // (dev, ino)

// True if `elements` is a well-formed lock or unlock list by the flag rules
// of MS-SMB2 3.3.5.14 (used by the session before it asks, and again here).
bool valid_lock_flags(uint32_t flags);

class ByteLockTable {
 public:
  // The most locks plus waiters one connection may hold.
  explicit ByteLockTable(size_t max_per_connection = 100000) : max_per_conn_(max_per_connection) {}

  // One SMB2 LOCK request's elements, for an open of file `f`. Lock lists
  // are all-or-nothing (a refused element undoes the earlier ones); unlock
  // lists stop at the first failure. `waiter_id` != 0 lets a single element
  // without FAIL_IMMEDIATELY wait: the answer is then kStatusPending and a
  // LockGrant for it comes from a later call. `f_changed` is set when the
  // file's "has any lock" state changed.
  uint32_t request(const LockFileKey& f, uint64_t conn_id, uint64_t open_id,
                   std::span<const LockElement> elements, uint64_t waiter_id,
                   std::vector<LockGrant>* granted);

  // Removes a waiter; false if there is none (it was granted already).
  bool cancel(uint64_t conn_id, uint64_t waiter_id);

  // An open closed: its locks and waiters go; waiters of others may be granted.
  void close_open(const LockFileKey& f, uint64_t conn_id, uint64_t open_id,
                  std::vector<LockGrant>* granted);

  // A session process ended: every lock and waiter of it goes. Returns the
  // files that had locks of it (their state may have changed).
  std::vector<LockFileKey> drop_connection(uint64_t conn_id, std::vector<LockGrant>* granted);

  // READ (write=false) or WRITE over [offset, offset+length) by an open:
  // kStatusSuccess or kStatusFileLockConflict (MS-FSA 2.1.4.10, no lock intent).
  uint32_t check_io(const LockFileKey& f, uint64_t conn_id, uint64_t open_id, uint64_t offset,
                    uint64_t length, bool write) const;

  bool has_locks(const LockFileKey& f) const;
  size_t lock_count() const;
  size_t waiter_count() const;
  size_t held_by_connection(uint64_t conn_id) const;

  // The connections told "this file has locks" (the master's notifications
  // keep sessions' fast path right; see lock_broker.h).
  std::set<uint64_t>& told(const LockFileKey& f) { return told_[f]; }
  void forget_told(const LockFileKey& f) { told_.erase(f); }

 private:
  struct Waiter {
    uint64_t conn_id, open_id, waiter_id;
    LockElement element;
  };
  struct File {
    std::vector<ByteLock> locks;
    std::vector<Waiter> waiters;  // arrival order
  };
  bool conflicts_lock(const File& file, uint64_t conn_id, uint64_t open_id, const LockElement& e) const;
  void retry_waiters(const LockFileKey& f, std::vector<LockGrant>* granted);
  void add_count(uint64_t conn_id, long delta);
  void cleanup(const LockFileKey& f);
  void unindex(const LockFileKey& f, uint64_t conn_id);

  size_t max_per_conn_;
  std::map<LockFileKey, File> files_;
  std::map<uint64_t, size_t> per_conn_;
  std::map<uint64_t, std::set<LockFileKey>> conn_files_;  // files a connection has locks/waiters on
  std::map<LockFileKey, std::set<uint64_t>> told_;
};

// Do [a_off, a_off+a_len) and [b_off, b_off+b_len) overlap, by MS-FSA 2.1.4.10
// (zero-length ranges touch only ranges that strictly contain their offset;
// {0,0} touches nothing)?
bool ranges_overlap(uint64_t a_off, uint64_t a_len, uint64_t b_off, uint64_t b_len);

}  // namespace cifsd::master
