// SESSION_SETUP with SMB2_SESSION_FLAG_BINDING (MS-SMB2 3.3.5.5, 3.3.5.5.2,
// 3.3.5.5.3): binding a new connection to an existing session as one more
// channel. See multichannel.h and docs/multichannel.md for the design.
//
// In the process that received the new connection, the session is unknown:
// if that connection has nothing of its own yet, it is handed to the
// session's owner through the master (kChannelHandoff) and this process ends.
// In the owner (the request now arrives on an adopted channel) the binding is
// checked and authenticated, and the channel's signing key derived.
// Also here: what happens to channels when they or a session end (the parts
// of the channel table that need smbd-auth).
#include <openssl/crypto.h>

#include "common/ipc/fds.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "smbd-session/channel_state.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/master_link.h"
#include "smbd-session/multichannel_internal.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

namespace mp = ipc::master;

void write_setup_response(ByteWriter& out, uint16_t flags, Bytes blob) {
  out.u16(9);
  out.u16(flags);
  out.u16(uint16_t(smb2::kHeaderSize + 8));
  out.u16(uint16_t(blob.size()));
  out.bytes(blob);
}

// The process that accepted this connection does not own the session: give
// the connection to the owner. kSuccess means it is gone from here.
NtStatus hand_off(Request& req) {
  Connection& c = req.conn;
  // Only a connection with nothing of its own moves: its sessions, opens
  // and waiting requests live in this process.
  if (!may_hand_off(c) || !c.sessions.empty() || !c.async_ops.empty()) {
    LOG_I("binding to session %llx refused: this connection has sessions of its own",
          (unsigned long long)req.hdr.session_id);
    return status::kRequestNotAccepted;
  }
  // The owner processes this request again as the first one of the channel.
  if (req.hdr.next_command != 0 || (req.hdr.flags & smb2::kFlagRelated) || req.encrypted_by)
    return status::kInvalidParameter;
  ChannelState st = capture_channel_state(c);
  st.credits.release(req.hdr.message_id, req.hdr.credit_charge);
  st.pending_pdu.assign(req.pdu.begin(), req.pdu.end());
  mp::ChannelHandoff h;
  h.session_id = req.hdr.session_id;
  h.state = encode_channel_state(st);
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  h.encode(w);
  ipc::Message ans;
  if (!master_call(c, mp::kChannelHandoff, {buf.data(), buf.size()}, &ans, ipc::kFdClient))
    return status::kInternalError;
  auto a = mp::StatusAnswer::decode(ans.body());
  if (!a) return status::kInternalError;
  if (a->status != status::kSuccess) return a->status;
  LOG_I("connection handed to the owner of session %llx; this process ends",
        (unsigned long long)req.hdr.session_id);
  c.disconnect = true;  // nothing is sent from here: the owner answers
  return status::kSuccess;
}

// The first leg's checks, in the order of MS-SMB2 3.3.5.5.
NtStatus check_first_leg(Request& req, Session& s) {
  Connection& c = req.conn;
  const bool is_signed = (req.hdr.flags & smb2::kFlagSigned) != 0;
  // Signed with the session's key (3.3.5.2.4: Session.SigningKey for binding).
  const bool sig_ok = is_signed && !s.signing_key.empty() &&
                      crypto::verify_message(crypto::SignAlg(s.dialect_signing_alg), s.signing_key, req.pdu);
  // The refusals of a request that proved the key are signed with it, so a
  // client that requires signing sees the status; an unproven request gets
  // nothing signed (no signing oracle).
  if (sig_ok) req.session = &s;
  if (c.dialect != home_dialect(c)) return status::kInvalidParameter;
  if (!is_signed) return status::kInvalidParameter;
  if (c.client_guid != home_client_guid(c)) return status::kUserSessionDeleted;
  if (s.state == Session::State::kInProgress) return status::kRequestNotAccepted;
  if (s.state == Session::State::kExpired) return status::kNetworkSessionExpired;
  if (s.identity.guest || s.identity.anonymous || !s.has_key) return status::kNotSupported;
  if (!sig_ok) return status::kAccessDenied;
  if (channels_of_session(c, s.id) >= c.config.global.max_channels_per_session)
    return status::kInsufficientResources;
  return status::kSuccess;
}

void wipe_keys(Channel& ch) {
  for (auto& [id, k] : ch.keys) OPENSSL_cleanse(k.key.data(), k.key.size());
  ch.keys.clear();
}

MultiChannel* mc_of(Connection& c) { return c.multichannel.get(); }

}  // namespace

// A channel ended: its keys and binding go; the process goes on while one
// channel remains. The transport is destroyed later (we may be inside it).
void channel_lost(Connection& c, Channel* ch) {
  MultiChannel& mc = *mc_of(c);
  if (!ch->alive) return;
  ch->alive = false;
  LOG_I("channel %llu closed; %zu channel(s) left", (unsigned long long)ch->id, live_channels(c));
  if (ch->binding.auth_context) {
    auth_release(c, ch->binding.auth_context);
    ch->binding = {};
  }
  wipe_keys(*ch);
  if (ch == mc.resident) {
    Channel* next = nullptr;
    for (auto& o : mc.channels)
      if (o->alive) next = o.get();
    if (!next) {
      if (mc.stop) mc.stop();
      return;
    }
    switch_to(c, mc, next);
    mc.resident = next;
    LOG_I("channel %llu now carries the connection's unsolicited messages", (unsigned long long)next->id);
  } else if (mc.active == ch) {
    switch_to(c, mc, mc.resident);
  }
  if (ch->id == 0) return;  // main.cc owns the original transport
  auto drop = [&c, ch] {
    MultiChannel* m = mc_of(c);
    if (!m) return;
    for (auto it = m->channels.begin(); it != m->channels.end(); ++it)
      if (it->get() == ch) {
        m->channels.erase(it);
        return;
      }
  };
  if (c.defer) c.defer(drop);
}


void channel_forget_session(Connection& c, uint64_t id) {
  MultiChannel* mc = mc_of(c);
  if (!mc) return;
  for (auto& ch : mc->channels) {
    ch->sessions.erase(id);
    auto k = ch->keys.find(id);
    if (k != ch->keys.end()) {
      OPENSSL_cleanse(k->second.key.data(), k->second.key.size());
      ch->keys.erase(k);
    }
    if (ch->binding.session_id == id) {
      if (ch->binding.auth_context) auth_release(c, ch->binding.auth_context);
      ch->binding = {};
    }
  }
}

NtStatus handle_session_binding(Request& req, ByteWriter& out, Bytes blob) {
  Connection& c = req.conn;
  if (!c.config.global.server_multi_channel || !(c.server_capabilities & smb2::kCapMultiChannel))
    return status::kRequestNotAccepted;
  auto it = c.sessions.find(req.hdr.session_id);
  if (it == c.sessions.end()) return hand_off(req);
  Session& s = *it->second;
  BindingState* b = active_binding(c);
  if (!b) return status::kRequestNotAccepted;
  const bool first = b->session_id != s.id;
  if (first) {
    // Already a channel of this session (its own connection included).
    if (channel_has_session(c, s) || b->session_id != 0 || binding_in_progress_elsewhere(c, s.id))
      return status::kRequestNotAccepted;
    NtStatus st = check_first_leg(req, s);
    if (st != status::kSuccess) {
      LOG_I("binding to session %llx refused: 0x%08x", (unsigned long long)s.id, st);
      return st;
    }
    b->session_id = s.id;
    // 3.1.1: the channel's preauth hash starts from its NEGOTIATE exchange.
    // Session.PreauthIntegrityHashValue is no longer used once the session is
    // valid, so it holds the binding's hash meanwhile: the engine adds each
    // MORE_PROCESSING response to it.
    s.preauth_hash = c.preauth_hash;
  }
  if (c.dialect == kSmb311) crypto::preauth_update(&s.preauth_hash, req.pdu);

  ipc::auth::SessionSetup leg;
  leg.context = b->auth_context;
  leg.blob.assign(blob.begin(), blob.end());
  ipc::auth::SessionSetupAnswer ans;
  NtStatus st = auth_session_setup(c, leg, &ans);
  auto fail = [&](NtStatus why) {
    if (b->auth_context) auth_release(c, b->auth_context);
    *b = {};
    OPENSSL_cleanse(ans.session_key.data(), ans.session_key.size());
    LOG_I("binding to session %llx failed: 0x%08x", (unsigned long long)s.id, why);
    return why;
  };
  if (st != status::kSuccess) {
    b->auth_context = 0;  // gone with the helper's channel
    return fail(st);
  }
  // Failures are signed with Session.SigningKey (3.3.4.1.1).
  req.session = &s;
  switch (ans.result) {
    case ipc::auth::SetupResult::kMoreProcessing:
      b->auth_context = ans.context;
      write_setup_response(out, 0, ans.blob);
      return status::kMoreProcessingRequired;
    case ipc::auth::SetupResult::kOk:
      break;
    default:
      b->auth_context = 0;
      return fail(ans.result == ipc::auth::SetupResult::kAccessDenied ? status::kAccessDenied
                  : ans.result == ipc::auth::SetupResult::kInvalid    ? status::kInvalidParameter
                                                                      : status::kLogonFailure);
  }
  b->auth_context = 0;
  // Binding as another user fails (MS-SMB2 3.3.5.5.3); the session and its
  // other channels go on.
  if (!ans.has_session_key || ans.identity.guest || ans.identity.anonymous ||
      ans.identity.uid != s.identity.uid || ans.identity.user != s.identity.user)
    return fail(status::kAccessDenied);
  ChannelKey key;
  bool ok = derive_channel_key(c, {ans.session_key.data(), ans.session_key.size()}, s.preauth_hash, &key);
  OPENSSL_cleanse(ans.session_key.data(), ans.session_key.size());
  if (!ok) return fail(status::kInternalError);
  *b = {};
  bind_active_channel(c, s.id, std::move(key));
  req.force_sign = true;  // with the new Channel.SigningKey
  LOG_I("session %llx: channel bound (%s, %s)", (unsigned long long)s.id, s.identity.user.c_str(),
        protocol_name(c.dialect));
  write_setup_response(out, s.session_flags & ~uint16_t(smb2::kSessionFlagEncrypt), ans.blob);
  return status::kSuccess;
}

}  // namespace cifsd::session
