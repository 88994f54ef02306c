#include "smbd-master/byte_locks.h"

#include <algorithm>

#include "smbd-master/share_modes.h"

namespace cifsd::master {

bool valid_lock_flags(uint32_t flags) {
  switch (flags) {
    case kLockShared:
    case kLockExclusive:
    case kLockShared | kLockFailImmediately:
    case kLockExclusive | kLockFailImmediately:
    case kLockUnlock:
      return true;
    default:
      return false;
  }
}

namespace {

// The range reaches past the last 64-bit offset (MS-FSA 2.1.5.8).
bool wraps(uint64_t off, uint64_t len) { return len != 0 && off + (len - 1) < off; }

}  // namespace

bool ranges_overlap(uint64_t a_off, uint64_t a_len, uint64_t b_off, uint64_t b_len) {
  if ((a_off == 0 && a_len == 0) || (b_off == 0 && b_len == 0)) return false;
  // Last byte = offset + length - 1; for a zero length that is offset - 1,
  // which is what makes a zero-byte range touch only ranges strictly around
  // its offset. Neither subtraction wraps: offset and length are not both 0.
  uint64_t a_last = a_off + a_len - 1, b_last = b_off + b_len - 1;
  return a_off <= b_last && a_last >= b_off;
}

// Locking intent (MS-FSA 2.1.4.10 with LockIntent): a shared lock may stack
// on the same open's exclusive lock; everything else that overlaps and is not
// shared-on-shared conflicts, whoever owns it.
bool ByteLockTable::conflicts_lock(const File& file, uint64_t conn_id, uint64_t open_id,
                                   const LockElement& e) const {
  const bool excl = e.flags & kLockExclusive;
  for (const ByteLock& l : file.locks) {
    if (!ranges_overlap(e.offset, e.length, l.offset, l.length)) continue;
    if (!excl && !l.exclusive) continue;
    if (!excl && l.exclusive && l.conn_id == conn_id && l.open_id == open_id) continue;
    return true;
  }
  return false;
}

void ByteLockTable::add_count(uint64_t conn_id, long delta) {
  size_t& n = per_conn_[conn_id];
  n = size_t(long(n) + delta);
  if (n == 0) per_conn_.erase(conn_id);
}

void ByteLockTable::cleanup(const LockFileKey& f) {
  auto it = files_.find(f);
  if (it != files_.end() && it->second.locks.empty() && it->second.waiters.empty()) files_.erase(it);
}

// Keeps conn_files_ an exact index, so it stays bounded by what is held.
void ByteLockTable::unindex(const LockFileKey& f, uint64_t conn_id) {
  auto it = files_.find(f);
  if (it != files_.end()) {
    for (const ByteLock& l : it->second.locks)
      if (l.conn_id == conn_id) return;
    for (const Waiter& w : it->second.waiters)
      if (w.conn_id == conn_id) return;
  }
  auto cf = conn_files_.find(conn_id);
  if (cf == conn_files_.end()) return;
  cf->second.erase(f);
  if (cf->second.empty()) conn_files_.erase(cf);
}

uint32_t ByteLockTable::request(const LockFileKey& f, uint64_t conn_id, uint64_t open_id,
                                std::span<const LockElement> elements, uint64_t waiter_id,
                                std::vector<LockGrant>* granted) {
  if (elements.empty()) return kStatusInvalidParameter;
  File& file = files_[f];
  const bool unlocking = elements[0].flags & kLockUnlock;
  uint32_t st = kStatusSuccess;
  if (unlocking) {
    bool removed = false;
    for (const LockElement& e : elements) {
      if (e.flags != kLockUnlock) { st = kStatusInvalidParameter; break; }
      if (wraps(e.offset, e.length)) { st = kStatusInvalidLockRange; break; }
      // MS-FSA 2.1.5.9: the exact range of this open; an exclusive lock is
      // preferred over a shared one of the same range.
      auto pick = file.locks.end();
      for (auto it = file.locks.begin(); it != file.locks.end(); ++it) {
        if (it->conn_id != conn_id || it->open_id != open_id || it->offset != e.offset ||
            it->length != e.length)
          continue;
        pick = it;
        if (it->exclusive) break;
      }
      if (pick == file.locks.end()) { st = kStatusRangeNotLocked; break; }
      file.locks.erase(pick);
      add_count(conn_id, -1);
      removed = true;
    }
    if (removed) retry_waiters(f, granted);
    cleanup(f);
    unindex(f, conn_id);
    return st;
  }

  // MS-SMB2 3.3.5.14.2: several locks must all be FAIL_IMMEDIATELY.
  if (elements.size() > 1)
    for (const LockElement& e : elements)
      if (!(e.flags & kLockFailImmediately) && !(e.flags & kLockUnlock)) {
        cleanup(f);
        return kStatusInvalidParameter;
      }
  size_t taken = 0;
  for (const LockElement& e : elements) {
    // An unlock inside a lock list fails the request; like a contending
    // element it undoes what this request locked (smb2.lock.multiple-unlock:
    // "request lock and unlock. Both will fail").
    if (!valid_lock_flags(e.flags) || (e.flags & kLockUnlock)) { st = kStatusInvalidParameter; break; }
    if (wraps(e.offset, e.length)) { st = kStatusInvalidLockRange; break; }
    auto pc = per_conn_.find(conn_id);
    if (pc != per_conn_.end() && pc->second >= max_per_conn_) {
      st = kStatusInsufficientResources;
      break;
    }
    if (conflicts_lock(file, conn_id, open_id, e)) {
      if (elements.size() == 1 && waiter_id && !(e.flags & kLockFailImmediately)) {
        file.waiters.push_back({conn_id, open_id, waiter_id, e});
        add_count(conn_id, 1);
        conn_files_[conn_id].insert(f);
        return kStatusPending;
      }
      st = kStatusLockNotGranted;
      break;
    }
    file.locks.push_back({conn_id, open_id, e.offset, e.length, bool(e.flags & kLockExclusive)});
    add_count(conn_id, 1);
    conn_files_[conn_id].insert(f);
    taken++;
  }
  if (st != kStatusSuccess) {
    // All or nothing: undo this request's locks (the last `taken` entries).
    file.locks.resize(file.locks.size() - taken);
    if (taken) add_count(conn_id, -long(taken));
  }
  cleanup(f);
  unindex(f, conn_id);
  return st;
}

void ByteLockTable::retry_waiters(const LockFileKey& f, std::vector<LockGrant>* granted) {
  auto it = files_.find(f);
  if (it == files_.end()) return;
  File& file = it->second;
  // In arrival order; a grant may block later waiters, so each is tried
  // against the table as it is after the earlier grants.
  for (size_t i = 0; i < file.waiters.size();) {
    Waiter w = file.waiters[i];
    if (conflicts_lock(file, w.conn_id, w.open_id, w.element)) {
      i++;
      continue;
    }
    file.waiters.erase(file.waiters.begin() + long(i));
    file.locks.push_back({w.conn_id, w.open_id, w.element.offset, w.element.length,
                          bool(w.element.flags & kLockExclusive)});
    if (granted) granted->push_back({w.conn_id, w.waiter_id, kStatusSuccess});
  }
}

bool ByteLockTable::cancel(uint64_t conn_id, uint64_t waiter_id) {
  auto cf = conn_files_.find(conn_id);
  if (cf == conn_files_.end()) return false;
  for (const LockFileKey& f : cf->second) {
    auto it = files_.find(f);
    if (it == files_.end()) continue;
    auto& ws = it->second.waiters;
    for (auto w = ws.begin(); w != ws.end(); ++w)
      if (w->conn_id == conn_id && w->waiter_id == waiter_id) {
        ws.erase(w);
        add_count(conn_id, -1);
        cleanup(f);
        unindex(f, conn_id);
        return true;
      }
  }
  return false;
}

void ByteLockTable::close_open(const LockFileKey& f, uint64_t conn_id, uint64_t open_id,
                               std::vector<LockGrant>* granted) {
  auto it = files_.find(f);
  if (it == files_.end()) return;
  File& file = it->second;
  size_t before = file.locks.size() + file.waiters.size();
  std::erase_if(file.locks, [&](const ByteLock& l) { return l.conn_id == conn_id && l.open_id == open_id; });
  std::erase_if(file.waiters, [&](const Waiter& w) { return w.conn_id == conn_id && w.open_id == open_id; });
  size_t gone = before - file.locks.size() - file.waiters.size();
  if (gone) {
    add_count(conn_id, -long(gone));
    retry_waiters(f, granted);
  }
  cleanup(f);
  unindex(f, conn_id);
}

std::vector<LockFileKey> ByteLockTable::drop_connection(uint64_t conn_id, std::vector<LockGrant>* granted) {
  std::vector<LockFileKey> touched;
  auto cf = conn_files_.find(conn_id);
  if (cf != conn_files_.end()) {
    touched.assign(cf->second.begin(), cf->second.end());
    conn_files_.erase(cf);
  }
  for (const LockFileKey& f : touched) {
    auto it = files_.find(f);
    if (it == files_.end()) continue;
    std::erase_if(it->second.locks, [&](const ByteLock& l) { return l.conn_id == conn_id; });
    std::erase_if(it->second.waiters, [&](const Waiter& w) { return w.conn_id == conn_id; });
    retry_waiters(f, granted);
    cleanup(f);
  }
  per_conn_.erase(conn_id);
  for (auto& [f, conns] : told_) conns.erase(conn_id);
  return touched;
}

// I/O intent (MS-FSA 2.1.4.10 without LockIntent): another open's exclusive
// lock blocks reads and writes; any shared lock, even this open's, blocks
// writes.
uint32_t ByteLockTable::check_io(const LockFileKey& f, uint64_t conn_id, uint64_t open_id,
                                 uint64_t offset, uint64_t length, bool write) const {
  auto it = files_.find(f);
  if (it == files_.end() || length == 0) return kStatusSuccess;
  for (const ByteLock& l : it->second.locks) {
    if (!ranges_overlap(offset, length, l.offset, l.length)) continue;
    const bool mine = l.conn_id == conn_id && l.open_id == open_id;
    if (l.exclusive ? !mine : write) return kStatusFileLockConflict;
  }
  return kStatusSuccess;
}

bool ByteLockTable::has_locks(const LockFileKey& f) const {
  auto it = files_.find(f);
  return it != files_.end() && !it->second.locks.empty();
}

size_t ByteLockTable::lock_count() const {
  size_t n = 0;
  for (const auto& [f, file] : files_) n += file.locks.size();
  return n;
}

size_t ByteLockTable::waiter_count() const {
  size_t n = 0;
  for (const auto& [f, file] : files_) n += file.waiters.size();
  return n;
}

size_t ByteLockTable::held_by_connection(uint64_t conn_id) const {
  auto it = per_conn_.find(conn_id);
  return it == per_conn_.end() ? 0 : it->second;
}

}  // namespace cifsd::master
