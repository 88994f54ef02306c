#include "smbd-master/session_protocol.h"

#include <algorithm>

#include "common/log/log.h"
#include "smbd-master/caching.h"

namespace cifsd::master {

namespace mp = ipc::master;

std::vector<uint8_t> status_payload(uint32_t status) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  mp::StatusAnswer{status}.encode(w);
  return out;
}

namespace {
SessionAction answer(uint16_t type, std::vector<uint8_t> payload) {
  SessionAction a;
  a.kind = SessionAction::kAnswer;
  a.type = type;
  a.payload = std::move(payload);
  return a;
}
}  // namespace

SessionAction handle_session_frame(SessionState& st, const ipc::Message& m, ShareModeTable& broker,
                                   const std::vector<uint8_t>& hello_answer, uint32_t max_opens,
                                   CachingTable* caching, int64_t now_ms) {
  SessionAction violation;
  if (m.fd) return violation;  // sessions never pass descriptors to the master
  if (!st.hello_done) {
    // Per-state allowlist: nothing but Hello before Hello.
    if (m.type != mp::kHello) return violation;
    auto h = mp::Hello::decode(m.body());
    if (!h || h->role != mp::Role::kSession || h->version != mp::kVersion) return violation;
    st.hello_done = true;
    return answer(mp::kHelloAnswer, hello_answer);
  }
  switch (m.type) {
    case mp::kShareOpen: {
      auto o = mp::ShareOpen::decode(m.body());
      if (!o) return violation;
      // Bounded per connection, so a compromised session cannot grow the
      // master's table without limit.
      uint32_t status =
          broker.opens_of_connection(st.conn_id) >= max_opens
              ? kStatusTooManyOpenedFiles
              : broker.open(st.conn_id, o->open_id, o->dev, o->ino, o->access, o->share_access);
      LOG_D("connection %llu: share open %llu (%llx:%llu access 0x%x share %u) -> 0x%08x",
            (unsigned long long)st.conn_id, (unsigned long long)o->open_id,
            (unsigned long long)o->dev, (unsigned long long)o->ino, o->access, o->share_access, status);
      return answer(mp::kShareOpenAnswer, status_payload(status));
    }
    case mp::kShareClose: {
      auto c = mp::ShareClose::decode(m.body());
      if (!c) return violation;
      // A delete-on-close open makes the file delete pending as it closes;
      // the last closer of a delete-pending file removes it.
      if (c->delete_on_close) broker.set_delete_pending(st.conn_id, c->open_id, true);
      bool delete_now = false;
      bool known = broker.close(st.conn_id, c->open_id, &delete_now);
      SessionAction a = answer(
          mp::kShareCloseAnswer,
          status_payload(!known ? kStatusInvalidParameter : delete_now ? mp::kStatusDeleteFile : kStatusSuccess));
      if (caching) caching->close(st.conn_id, c->open_id, &a.notify);
      return a;
    }
    case mp::kDeletePending: {
      auto d = mp::DeletePending::decode(m.body());
      if (!d) return violation;
      bool known = broker.set_delete_pending(st.conn_id, d->open_id, d->pending != 0);
      return answer(mp::kDeletePendingAnswer,
                    status_payload(known ? kStatusSuccess : kStatusInvalidParameter));
    }
    case mp::kNewChannel: {
      auto req = mp::NewChannel::decode(m.body());
      if (!req) return violation;
      SessionAction a;
      a.kind = SessionAction::kNewChannel;
      a.type = mp::kNewChannelAnswer;
      a.helper = req->helper;
      return a;
    }
    case mp::kLogoffPrevious:
    case mp::kLogoffPreviousNote: {
      // The request form is answered (after the note went out, sessions.cc);
      // the note form is not.
      auto done = [&m](SessionAction a) {
        if (m.type != mp::kLogoffPrevious) return a;
        a.kind = SessionAction::kAnswer;
        a.type = mp::kLogoffPreviousAnswer;
        a.payload = status_payload(kStatusSuccess);
        return a;
      };
      // PreviousSessionId of a new session (session_reconnect.h): forwarded
      // to the connection that owns that session id, which checks the user
      // itself. Never to the sender (it handles its own sessions). The uid
      // must be one smbd-auth proved on this connection: the session's word
      // alone would let a compromised one end any user's session.
      auto n = mp::LogoffPrevious::decode(m.body());
      if (!n) return violation;
      SessionAction a;
      a.kind = SessionAction::kNone;
      uint64_t owner = mp::connection_of_session(n->session_id);
      if (++st.logoff_previous_notes > kMaxLogoffPreviousNotes || owner == 0 ||
          owner == (st.conn_id & 0xFFFFFF))
        return done(std::move(a));
      if (!st.vouched_uids ||
          std::find(st.vouched_uids->begin(), st.vouched_uids->end(), n->uid) == st.vouched_uids->end()) {
        LOG_W("connection %llu: reconnect note for uid %u, which smbd-auth did not vouch for; dropped",
              (unsigned long long)st.conn_id, n->uid);
        return done(std::move(a));
      }
      Notify note;
      note.conn_id = owner;
      note.type = mp::kLogoffSessionNote;
      ByteWriter w;
      n->encode(w);
      note.payload = w.take();
      a.notify.push_back(std::move(note));
      return done(std::move(a));
    }
    default:
      if (caching) return handle_caching_frame(st, m, broker, *caching, max_opens, now_ms);
      return violation;  // Hello twice, answers, helper-only messages
  }
}

}  // namespace cifsd::master
