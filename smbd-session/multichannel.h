#pragma once
// SMB 3.x multichannel in a process-per-connection server (docs/multichannel.md).
//
// A session lives in the smbd-session process that set it up (its owner).
// A second TCP connection that binds to it (SESSION_SETUP with
// SMB2_SESSION_FLAG_BINDING) starts in a process of its own; that process
// hands its client socket and negotiated state to the owner through the
// master (session_binding.cc) and exits. The owner serves the socket as one
// more channel in its event loop.
//
// The Connection holds the negotiated state (dialect, credits, preauth
// hash, ...) of exactly one channel, the *active* one. While a frame of
// another channel is processed, that channel's state is swapped in
// (ChannelScope) and `c.send` points at its socket, so the engine and every
// handler work unchanged and answer on the channel the request came on.
// Outside frames the *resident* channel is active: the original connection,
// or, once it is gone, one of the others (sessions live while one channel
// remains). Per channel and session there is a signing key (MS-SMB2
// 3.3.5.5.3 Channel.SigningKey); requests on a channel may only name the
// sessions created on it or bound to it.
#include <cstdint>
#include <functional>

#include "common/ipc/channel.h"
#include "smbd-session/connection.h"
#include "smbd-session/engine.h"

namespace cifsd::session {

class EventLoop;
class ClientTransport;
struct Channel;

// Called by main.cc when the loop runs: the original connection's transport
// becomes channel 0 (its frames and its end go through here); `stop` ends the
// process once the last channel is gone. Registers the master's
// kChannelAdoptNote handler.
void multichannel_attach(Connection& c, EventLoop* loop, ClientTransport* primary,
                         std::function<void()> stop);

// Engine hooks (no-ops, or the session's own key, without multichannel).
bool channel_has_session(const Connection& c, const Session& s);
bool verify_on_channel(const Connection& c, const Session& s, Bytes msg);
void sign_on_channel(const Connection& c, const Session& s, MutBytes msg);

// SESSION_SETUP / LOGOFF hooks.
void channel_add_session(Connection& c, uint64_t id);
void channel_forget_session(Connection& c, uint64_t id);

// Sessions live in the process; how many live channels it serves.
size_t live_channels(const Connection& c);

// Makes the channel an async op was started on active while it is
// completed (its answer goes on that channel, signed with its key). If that
// channel is gone the answer is dropped (`c.send` is null meanwhile).
class AsyncChannelScope {
 public:
  AsyncChannelScope(Connection& c, uint64_t async_id);
  ~AsyncChannelScope();
  AsyncChannelScope(const AsyncChannelScope&) = delete;
  AsyncChannelScope& operator=(const AsyncChannelScope&) = delete;

 private:
  Connection& c_;
  Channel* prev_ = nullptr;
  bool switched_ = false;
  bool muted_ = false;
  std::function<void(std::vector<uint8_t>)> saved_send_;
};

// SESSION_SETUP with SMB2_SESSION_FLAG_BINDING (session_binding.cc).
NtStatus handle_session_binding(Request& req, ByteWriter& out, Bytes blob);

// ---- internal to multichannel.cc / session_binding.cc ----
struct ChannelKey {
  std::vector<uint8_t> key;
  uint16_t alg = 0;  // crypto::SignAlg
};
// The active channel's signing key for a session, or null (use the session's).
const ChannelKey* active_channel_key(const Connection& c, uint64_t session_id);
// Binding state of the active channel (null without multichannel).
struct BindingState {
  uint64_t session_id = 0;
  uint64_t auth_context = 0;
};
BindingState* active_binding(Connection& c);
// Another channel is binding this session right now (the 3.1.1 binding hash
// is kept in the session, so one binding at a time).
bool binding_in_progress_elsewhere(const Connection& c, uint64_t session_id);
// True if the active channel is the connection this process was started for
// and it has never served another channel (it may hand itself off).
bool may_hand_off(const Connection& c);
// Records the active channel's signing key for a bound session.
void bind_active_channel(Connection& c, uint64_t session_id, ChannelKey key);
// The dialect and ClientGuid of the connection the owner's sessions were set
// up on (Session.Connection in MS-SMB2).
uint16_t home_dialect(const Connection& c);
const std::array<uint8_t, 16>& home_client_guid(const Connection& c);
// Channel.SigningKey (MS-SMB2 3.3.5.5.3) from the binding's own session key:
// 3.0/3.0.2 "SMB2AESCMAC"/"SmbSign", 3.1.1 "SMBSigningKey" with the channel's
// preauth hash (its NEGOTIATE and binding SESSION_SETUP exchange).
bool derive_channel_key(const Connection& c, Bytes session_key, const std::array<uint8_t, 64>& hash,
                        ChannelKey* out);
// Channels bound to a session (including the one it was set up on).
size_t channels_of_session(const Connection& c, uint64_t session_id);

}  // namespace cifsd::session
