#include "smbd-master/lock_broker.h"

#include "common/ipc/lock_proto.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"

namespace cifsd::master {

namespace mp = ipc::master;

namespace {

constexpr uint32_t kStatusNotFound = 0xC0000225;
constexpr uint32_t kStatusFileClosed = 0xC0000128;

template <class Msg>
std::vector<uint8_t> encode(const Msg& msg) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  msg.encode(w);
  return out;
}

SessionAction status_answer(uint16_t type, uint32_t status) {
  SessionAction a;
  a.kind = SessionAction::kAnswer;
  a.type = type;
  a.payload = status_payload(status);
  return a;
}

void add_grants(const std::vector<LockGrant>& grants, std::vector<Notify>* notes) {
  for (const LockGrant& g : grants)
    notes->push_back({g.conn_id, mp::kLockGrantedNote, encode(mp::LockGranted{g.waiter_id, g.status})});
}

// Tells every session with an open of the file whether it has locks now,
// when that differs from what it was told last.
void sync_state(const LockFileKey& f, ShareModeTable& shares, ByteLockTable& locks,
                std::vector<Notify>* notes) {
  if (locks.has_locks(f)) {
    std::set<uint64_t>& told = locks.told(f);
    for (uint64_t conn : shares.connections_of(f.first, f.second))
      if (told.insert(conn).second)
        notes->push_back({conn, mp::kLockStateNote, encode(mp::LockState{f.first, f.second, true})});
    return;
  }
  std::set<uint64_t> told = std::move(locks.told(f));
  locks.forget_told(f);
  for (uint64_t conn : told)
    notes->push_back({conn, mp::kLockStateNote, encode(mp::LockState{f.first, f.second, false})});
}

}  // namespace

bool is_lock_frame(uint16_t type) {
  return type == mp::kLock || type == mp::kLockCancel || type == mp::kLockCheck;
}

SessionAction handle_lock_frame(uint64_t conn_id, const ipc::Message& m, ShareModeTable& shares,
                                ByteLockTable& locks) {
  SessionAction violation;
  switch (m.type) {
    case mp::kLock: {
      auto req = mp::LockRequest::decode(m.body());
      if (!req) return violation;
      LockFileKey f;
      // Only opens this session registered itself can hold locks.
      if (!shares.file_of(conn_id, req->open_id, &f.first, &f.second))
        return status_answer(mp::kLockAnswer, kStatusFileClosed);
      std::vector<LockElement> els;
      ByteReader r({req->elements.data(), req->elements.size()});
      while (!r.at_end() && r.ok()) {
        LockElement e;
        e.offset = r.u64();
        e.length = r.u64();
        e.flags = r.u32();
        els.push_back(e);
      }
      if (!r.ok()) return violation;
      std::vector<LockGrant> grants;
      uint32_t st = locks.request(f, conn_id, req->open_id, els, req->waiter_id, &grants);
      LOG_D("connection %llu: lock open %llu, %zu elements -> 0x%08x", (unsigned long long)conn_id,
            (unsigned long long)req->open_id, els.size(), st);
      SessionAction a = status_answer(mp::kLockAnswer, st);
      add_grants(grants, &a.notify);
      sync_state(f, shares, locks, &a.notify);
      return a;
    }
    case mp::kLockCancel: {
      auto req = mp::LockCancel::decode(m.body());
      if (!req) return violation;
      bool removed = locks.cancel(conn_id, req->waiter_id);
      return status_answer(mp::kLockCancelAnswer, removed ? kStatusSuccess : kStatusNotFound);
    }
    case mp::kLockCheck: {
      auto req = mp::LockCheck::decode(m.body());
      if (!req) return violation;
      LockFileKey f;
      if (!shares.file_of(conn_id, req->open_id, &f.first, &f.second))
        return status_answer(mp::kLockCheckAnswer, kStatusFileClosed);
      return status_answer(mp::kLockCheckAnswer,
                           locks.check_io(f, conn_id, req->open_id, req->offset, req->length, req->write));
    }
    default:
      return violation;
  }
}

void locks_before_frame(uint64_t conn_id, const ipc::Message& m, ShareModeTable& shares,
                        ByteLockTable& locks, std::vector<Notify>* notes) {
  if (m.type != mp::kShareClose) return;
  auto c = mp::ShareClose::decode(m.body());
  LockFileKey f;
  if (!c || !shares.file_of(conn_id, c->open_id, &f.first, &f.second)) return;
  std::vector<LockGrant> grants;
  locks.close_open(f, conn_id, c->open_id, &grants);
  add_grants(grants, notes);
  sync_state(f, shares, locks, notes);
  // The session forgets a file's lock state when its last open of it closes
  // (lock_client.h); so does the broker, so that a later open is told again.
  if (shares.opens_of_connection_on(conn_id, f.first, f.second) <= 1 && locks.has_locks(f))
    locks.told(f).erase(conn_id);
}

void locks_after_frame(uint64_t conn_id, size_t opens_before, ShareModeTable& shares,
                       ByteLockTable& locks, std::vector<Notify>* notes) {
  if (shares.opens_of_connection(conn_id) <= opens_before) return;
  auto f = shares.last_opened_file();
  sync_state(f, shares, locks, notes);
}

void locks_after_drop(const std::vector<LockGrant>& grants, const std::vector<LockFileKey>& files,
                      ShareModeTable& shares, ByteLockTable& locks, std::vector<Notify>* notes) {
  add_grants(grants, notes);
  for (const LockFileKey& f : files) sync_state(f, shares, locks, notes);
}

}  // namespace cifsd::master
