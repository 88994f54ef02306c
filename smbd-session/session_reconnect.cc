#include "smbd-session/session_reconnect.h"

#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "common/ipc/channel.h"
#include "smbd-session/durable.h"
#include "smbd-session/master_link.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {

namespace mp = ipc::master;

bool may_end_for(const Session& old, uint32_t uid) {
  return old.state != Session::State::kInProgress && old.identity.uid == uid && uid != 0 &&
         !old.identity.guest && !old.identity.anonymous &&
         !(old.session_flags & (smb2::kSessionFlagGuest | smb2::kSessionFlagNull));
}

void end_previous_session(Connection& c, const Session& fresh, uint64_t prev) {
  if (prev == 0 || prev == fresh.id) return;  // same id: ignored (3.3.5.5.3, 2.a)
  if (fresh.identity.guest || fresh.identity.anonymous || fresh.identity.uid == 0) return;
  auto it = c.sessions.find(prev);
  if (it != c.sessions.end()) {
    if (may_end_for(*it->second, fresh.identity.uid)) {
      LOG_I("session %llx replaces session %llx of the same user", (unsigned long long)fresh.id,
            (unsigned long long)prev);
      durable_detach_session(c, *it->second);  // durable opens wait for a reconnect
      logoff_session(c, prev);
    }
    return;
  }
  uint64_t owner = mp::connection_of_session(prev);
  if (owner == 0 || owner == (c.connection_id & 0xFFFFFF)) return;  // ours, and gone
  if (c.master_fd.get() < 0) return;  // no master (tests)
  mp::LogoffPrevious note;
  note.session_id = prev;
  note.uid = fresh.identity.uid;
  ByteWriter w;
  note.encode(w);
  // Answered once the master has passed it on to the owner, so the old
  // connection ends the session before this SESSION_SETUP is answered.
  ipc::Message ans;
  if (!master_call(c, mp::kLogoffPrevious, w.view(), &ans))
    LOG_W("could not ask the master to end previous session %llx", (unsigned long long)prev);
}

void accept_reconnect_notes(Connection& c) {
  // Registered directly in the handler table master_link.cc dispatches from.
  c.master_handlers[mp::kLogoffSessionNote] = [](Connection& conn, const ipc::Message& m) {
    auto note = mp::LogoffPrevious::decode(m.body());
    if (!note) {
      LOG_W("malformed session logoff note from the master");
      return;
    }
    auto it = conn.sessions.find(note->session_id);
    if (it == conn.sessions.end()) return;  // gone already
    if (!may_end_for(*it->second, note->uid)) {
      LOG_I("reconnect of another user does not end session %llx", (unsigned long long)note->session_id);
      return;
    }
    LOG_I("session %llx ended: its client reconnected on a new connection",
          (unsigned long long)note->session_id);
    durable_detach_session(conn, *it->second);  // durable opens wait for a reconnect
    logoff_session(conn, note->session_id);
  };
}

}  // namespace cifsd::session
