// Adopting a connection another process handed over (multichannel.h), and
// running each channel's frames with its state in the Connection.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "smbd-session/event_loop.h"
#include "smbd-session/master_link.h"
#include "smbd-session/multichannel_internal.h"
#include "smbd-session/pdu.h"
#include "smbd-session/transport.h"

namespace cifsd::session {
namespace {

MultiChannel* mc_of(const Connection& c) { return c.multichannel.get(); }

// Runs one frame of channel `ch` with its state in the Connection.
EngineResult channel_frame(Connection& c, Channel* ch, uint8_t type, MutBytes payload,
                           std::vector<uint8_t>* out) {
  MultiChannel& mc = *mc_of(c);
  if (!ch->alive) return EngineResult::kDisconnect;
  Channel* prev = mc.active;
  switch_to(c, mc, ch);
  uint64_t first_async = c.next_async_id;
  EngineResult r = process_frame_in_place(c, type, payload, out);
  // Ops this frame started answer on this channel later (ids only grow).
  for (auto it = c.async_ops.lower_bound(first_async); it != c.async_ops.end(); ++it)
    mc.async_owner[it->first] = ch->id;
  if (c.disconnect) {
    // A handler dropped this channel, not the others.
    c.disconnect = false;
    r = EngineResult::kDisconnect;
  }
  if (prev->alive) switch_to(c, mc, prev);
  return r;
}

void adopt(Connection& c, const ipc::Message& m) {
  MultiChannel* mc = mc_of(c);
  auto h = ipc::master::ChannelHandoff::decode(m.body());
  ChannelState st;
  if (!mc || !mc->loop || !h || !m.fd || !decode_channel_state({h->state.data(), h->state.size()}, &st) ||
      st.pending_pdu.empty()) {
    LOG_W("malformed channel hand-off from the master; ignored");
    return;
  }
  if (!c.config.global.server_multi_channel || live_channels(c) >= 1 + c.config.global.max_channels_per_session) {
    LOG_W("channel hand-off refused: multichannel off or too many channels");
    return;  // the socket closes with the message
  }
  auto ch = std::make_unique<Channel>();
  ch->id = mc->next_id++;
  ch->fd.reset(fcntl(m.fd.get(), F_DUPFD_CLOEXEC, 10));
  if (!ch->fd) return;
  int fl = fcntl(ch->fd.get(), F_GETFL);
  if (fl < 0 || fcntl(ch->fd.get(), F_SETFL, fl | O_NONBLOCK) < 0) return;
  int one = 1;
  setsockopt(ch->fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::vector<uint8_t> pdu = std::move(st.pending_pdu);
  ch->saved = std::move(st);
  if (!mc->adopted_any) {
    // From now on sessions are per channel: those set up so far belong to
    // the resident (original) connection.
    mc->adopted_any = true;
    mc->home_dialect = c.dialect;
    mc->home_guid = c.client_guid;
    for (const auto& [id, s] : c.sessions) mc->resident->sessions.insert(id);
  }
  Channel* raw = ch.get();
  ch->transport = std::make_unique<ClientTransport>(*mc->loop, c, ch->fd.get());
  if (!ch->transport->ok()) return;
  ch->transport->set_frame_fn([&c, raw](uint8_t type, MutBytes payload, std::vector<uint8_t>* out) {
    return channel_frame(c, raw, type, payload, out);
  });
  ch->transport->set_on_finish([&c, raw] { channel_lost(c, raw); });
  ClientTransport* t = ch->transport.get();
  ch->send = [t](std::vector<uint8_t> frame) { t->send(std::move(frame)); };
  mc->channels.push_back(std::move(ch));
  LOG_I("adopted connection %llu as channel %llu for session %llx", (unsigned long long)h->from_conn,
        (unsigned long long)raw->id, (unsigned long long)h->session_id);
  // The binding SESSION_SETUP the other process received, answered here.
  std::vector<uint8_t> resp;
  EngineResult r = channel_frame(c, raw, kNbSessionMessage, {pdu.data(), pdu.size()}, &resp);
  t->send(std::move(resp));
  t->start();
  if (r == EngineResult::kDisconnect) channel_lost(c, raw);
}

}  // namespace

void multichannel_attach(Connection& c, EventLoop* loop, ClientTransport* primary_transport,
                         std::function<void()> stop) {
  auto mc = std::make_shared<MultiChannel>();
  mc->loop = loop;
  mc->stop = std::move(stop);
  auto primary = std::make_unique<Channel>();
  primary->id = 0;
  Channel* raw = primary.get();
  mc->resident = mc->active = raw;
  mc->channels.push_back(std::move(primary));
  c.multichannel = std::move(mc);
  primary_transport->set_frame_fn([&c, raw](uint8_t type, MutBytes payload, std::vector<uint8_t>* out) {
    return channel_frame(c, raw, type, payload, out);
  });
  primary_transport->set_on_finish([&c, raw] { channel_lost(c, raw); });
  master_on(c, ipc::master::kChannelAdoptNote, [](Connection& conn, const ipc::Message& m) { adopt(conn, m); });
}

}  // namespace cifsd::session
