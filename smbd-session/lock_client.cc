#include "smbd-session/lock_client.h"

#include "common/ipc/lock_proto.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "smbd-session/master_link.h"

namespace cifsd::session {
namespace {

namespace m = ipc::master;

void apply_state(Connection& c, const ipc::Message& msg) {
  auto n = m::LockState::decode(msg.body());
  if (!n) {
    LOG_W("malformed LockState from the master");
    return;
  }
  if (n->locked) c.locked_files.insert({n->dev, n->ino});
  else c.locked_files.erase({n->dev, n->ino});
}

// Notifications already in the channel are applied before a READ/WRITE
// consults the set: a lock another session was granted before this request
// arrived has its LockState sent already (the master sends it before it
// answers the locker), so it is in our socket by now. This reads what is
// there without blocking (no round trip) and applies the LockStates; other
// notifications wait in the inbox for the event loop, in order.
void drain(Connection& c) { master_apply_pending(c, m::kLockStateNote, apply_state); }

}  // namespace

void lock_client_attach(Connection& c) {
  master_on(c, m::kLockStateNote, [](Connection& conn, const ipc::Message& msg) { apply_state(conn, msg); });
  master_on(c, m::kLockGrantedNote, [](Connection& conn, const ipc::Message& msg) {
    auto g = m::LockGranted::decode(msg.body());
    if (!g) return;
    auto it = conn.lock_waits.find(g->waiter_id);
    if (it == conn.lock_waits.end()) return;  // cancelled meanwhile
    auto done = std::move(it->second);
    conn.lock_waits.erase(it);
    done(g->status);
  });
}

NtStatus lock_check_io(Connection& c, const Open& open, uint64_t offset, uint64_t length, bool write) {
  if (length == 0 || !open.broker_id) return status::kSuccess;
  drain(c);
  if (!c.locked_files.count({open.dev, open.ino})) return status::kSuccess;
  m::LockCheck q;
  q.open_id = open.broker_id;
  q.offset = offset;
  q.length = length;
  q.write = write;
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  q.encode(w);
  ipc::Message ans;
  if (!master_call(c, m::kLockCheck, {buf.data(), buf.size()}, &ans)) return status::kInternalError;
  auto a = m::StatusAnswer::decode(ans.body());
  if (!a) return status::kInternalError;
  return a->status == status::kFileLockConflict ? status::kFileLockConflict : status::kSuccess;
}

void lock_client_forget(Connection& c, const Open& open) {
  if (!open.broker_id || !c.locked_files.count({open.dev, open.ino})) return;
  for (const auto& [sid, s] : c.sessions)
    for (const auto& [tid, t] : s->trees)
      for (const auto& [vid, o] : t->opens)
        if (o.get() != &open && o->broker_id && o->dev == open.dev && o->ino == open.ino) return;
  c.locked_files.erase({open.dev, open.ino});
}

void lock_wait_register(Connection& c, uint64_t async_id, std::function<void(NtStatus)> done) {
  c.lock_waits[async_id] = std::move(done);
}

bool lock_wait_take(Connection& c, uint64_t async_id) { return c.lock_waits.erase(async_id) != 0; }

}  // namespace cifsd::session
