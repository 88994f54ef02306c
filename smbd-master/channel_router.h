#pragma once
// Multichannel hand-off routing (docs/multichannel.md): a session process
// received a binding SESSION_SETUP for a session it does not own and passes
// its client socket (SCM_RIGHTS) with ipc::master::ChannelHandoff. The master
// only routes it, by the SessionId's connection bits, to the owning session
// process; that process checks the binding itself (dialect, ClientGuid,
// signature with the session's key, same user), so no process can take over
// another user's session through this. Pure logic here, for tests/unit/master.
#include <cstdint>
#include <functional>
#include <vector>

#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"

namespace cifsd::master {

struct HandoffRoute {
  bool violation = false;       // kill the sender
  uint32_t status = 0;          // the answer to the sender
  uint64_t target = 0;          // the connection to send the note to (status success)
  std::vector<uint8_t> note;    // the ChannelHandoff payload for the target
};

// `from_conn`: the sender's connection id; `already`: it handed off before
// (one hand-off per process: it ends after one); `live(conn)`: whether that
// connection's session process is up.
HandoffRoute route_channel_handoff(uint64_t from_conn, const ipc::Message& m, bool already,
                                   const std::function<bool(uint64_t)>& live);

inline bool is_channel_frame(uint16_t type) { return type == ipc::master::kChannelHandoff; }

}  // namespace cifsd::master
