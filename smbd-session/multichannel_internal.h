#pragma once
// Internals shared by multichannel.cc (the channel table and the engine's
// hooks) and multichannel_adopt.cc (sockets: adopting a handed-off
// connection, running its frames). See multichannel.h.
#include <map>
#include <memory>
#include <set>

#include "smbd-session/channel_state.h"
#include "smbd-session/multichannel.h"

namespace cifsd::session {

struct Channel {
  uint64_t id = 0;                   // 0: the connection the process was started for
  UniqueFd fd;                       // adopted channels own their socket
  std::shared_ptr<ClientTransport> transport;  // created where ClientTransport is complete
  std::function<void(std::vector<uint8_t>)> send;
  ChannelState saved;                // its state while another channel is active
  std::map<uint64_t, ChannelKey> keys;  // Channel.SigningKey by session
  std::set<uint64_t> sessions;       // sessions usable on this channel
  BindingState binding;              // a SESSION_SETUP binding in progress
  bool alive = true;
};

struct MultiChannel {
  EventLoop* loop = nullptr;
  std::function<void()> stop;
  std::vector<std::unique_ptr<Channel>> channels;
  Channel* resident = nullptr;  // whose state the Connection holds between frames
  Channel* active = nullptr;    // whose state the Connection holds now
  std::map<uint64_t, uint64_t> async_owner;  // async id -> id of the channel it came on
  uint64_t next_id = 1;
  bool adopted_any = false;
  uint16_t home_dialect = 0;
  std::array<uint8_t, 16> home_guid{};
};

// Makes `to` the active channel: the Connection's negotiated fields go back
// into the active channel's slot and `to`'s come in; `c.send` follows.
void switch_to(Connection& c, MultiChannel& mc, Channel* to);
// A channel ended (see multichannel.cc).
void channel_lost(Connection& c, Channel* ch);

}  // namespace cifsd::session
