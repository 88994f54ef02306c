#include "smbd-master/channel_router.h"

#include "common/log/log.h"

namespace cifsd::master {

namespace mp = ipc::master;

namespace {
constexpr uint32_t kStatusSuccess = 0;
constexpr uint32_t kStatusUserSessionDeleted = 0xC0000203;
constexpr uint32_t kStatusRequestNotAccepted = 0xC00000D0;
}  // namespace

HandoffRoute route_channel_handoff(uint64_t from_conn, const ipc::Message& m, bool already,
                                   const std::function<bool(uint64_t)>& live) {
  HandoffRoute r;
  auto h = mp::ChannelHandoff::decode(m.body());
  // The request must carry exactly the client socket.
  if (m.type != mp::kChannelHandoff || !h || !m.fd) {
    r.violation = true;
    return r;
  }
  if (already) {
    r.status = kStatusRequestNotAccepted;
    return r;
  }
  uint64_t owner = mp::connection_of_session(h->session_id);
  // Unknown, its own (it would know the session) or a connection that is
  // gone: the session does not exist (MS-SMB2 3.3.5.5: not in GlobalSessionTable).
  if (owner == 0 || owner == (from_conn & 0xFFFFFF) || !live(owner)) {
    r.status = kStatusUserSessionDeleted;
    return r;
  }
  h->from_conn = from_conn;  // what the sender said about itself is not used
  ByteWriter w;
  h->encode(w);
  r.note = w.take();
  r.target = owner;
  r.status = kStatusSuccess;
  LOG_I("connection %llu hands its socket to connection %llu (session %llx)", (unsigned long long)from_conn,
        (unsigned long long)owner, (unsigned long long)h->session_id);
  return r;
}

}  // namespace cifsd::master
