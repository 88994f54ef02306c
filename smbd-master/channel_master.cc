// The master's end of a multichannel hand-off: see channel_router.h.
#include "smbd-master/channel_router.h"
#include "smbd-master/master.h"
#include "smbd-master/session_protocol.h"

namespace cifsd::master {

namespace mp = ipc::master;

bool Master::handle_channel_handoff(Session& s, const ipc::Message& m) {
  HandoffRoute r = route_channel_handoff(s.conn_id, m, s.handed_off, [this](uint64_t conn) {
    auto it = by_conn_.find(conn);
    return it != by_conn_.end() && it->second->chan && it->second->hello_done;
  });
  if (r.violation) return false;
  if (r.status == 0) {
    Session& target = *by_conn_[r.target];
    if (!ipc::send_message(target.chan.get(), mp::kVersion, mp::kChannelAdoptNote, 0, {r.note.data(), r.note.size()},
                           m.fd.get())) {
      kill_session(target, "its master channel is full or broken");
      r.status = 0xC0000203;  // STATUS_USER_SESSION_DELETED: the owner is gone
    } else {
      s.handed_off = true;
    }
  }
  std::vector<uint8_t> p = status_payload(r.status);
  return ipc::send_message(s.chan.get(), mp::kVersion, mp::kChannelHandoffAnswer, m.seq, {p.data(), p.size()});
}

}  // namespace cifsd::master
