// The channels of one smbd-session process: see multichannel.h.
#include "smbd-session/multichannel_internal.h"

#include <map>
#include <memory>
#include <set>

#include <openssl/crypto.h>

#include "common/log/log.h"
#include "smbd-session/channel_state.h"
#include "smbd-session/crypto/smb_crypto.h"

namespace cifsd::session {

namespace {

MultiChannel* mc_of(const Connection& c) { return c.multichannel.get(); }

template <size_t N>
Bytes lit(const char (&s)[N]) {
  return {reinterpret_cast<const uint8_t*>(s), N};
}

}  // namespace

// Makes `to` the active channel: the Connection's negotiated fields go back
// into the active channel's slot and `to`'s come in; `c.send` follows.
void switch_to(Connection& c, MultiChannel& mc, Channel* to) {
  if (mc.active == to) return;
  swap_channel_state(c, mc.active->saved);
  swap_channel_state(c, to->saved);
  mc.active->send = std::move(c.send);
  c.send = to->send;
  mc.active = to;
}

size_t live_channels(const Connection& c) {
  const MultiChannel* mc = mc_of(c);
  if (!mc) return 1;
  size_t n = 0;
  for (const auto& ch : mc->channels) n += ch->alive;
  return n;
}

bool channel_has_session(const Connection& c, const Session& s) {
  const MultiChannel* mc = mc_of(c);
  if (!mc || !mc->adopted_any) return true;
  return mc->active->sessions.count(s.id) != 0;
}

const ChannelKey* active_channel_key(const Connection& c, uint64_t session_id) {
  const MultiChannel* mc = mc_of(c);
  if (!mc) return nullptr;
  auto it = mc->active->keys.find(session_id);
  return it == mc->active->keys.end() ? nullptr : &it->second;
}

bool verify_on_channel(const Connection& c, const Session& s, Bytes msg) {
  if (const ChannelKey* k = active_channel_key(c, s.id))
    return crypto::verify_message(crypto::SignAlg(k->alg), {k->key.data(), k->key.size()}, msg);
  return crypto::verify_message(crypto::SignAlg(s.dialect_signing_alg), s.signing_key, msg);
}

void sign_on_channel(const Connection& c, const Session& s, MutBytes msg) {
  if (const ChannelKey* k = active_channel_key(c, s.id)) {
    crypto::sign_message(crypto::SignAlg(k->alg), {k->key.data(), k->key.size()}, msg);
    return;
  }
  crypto::sign_message(crypto::SignAlg(s.dialect_signing_alg), s.signing_key, msg);
}

void channel_add_session(Connection& c, uint64_t id) {
  if (MultiChannel* mc = mc_of(c)) mc->active->sessions.insert(id);
}

BindingState* active_binding(Connection& c) {
  MultiChannel* mc = mc_of(c);
  return mc ? &mc->active->binding : nullptr;
}

bool binding_in_progress_elsewhere(const Connection& c, uint64_t session_id) {
  const MultiChannel* mc = mc_of(c);
  if (!mc) return false;
  for (const auto& ch : mc->channels)
    if (ch.get() != mc->active && ch->alive && ch->binding.session_id == session_id) return true;
  return false;
}

bool may_hand_off(const Connection& c) {
  const MultiChannel* mc = mc_of(c);
  return mc && mc->loop && !mc->adopted_any && mc->active->id == 0 && mc->channels.size() == 1;
}

void bind_active_channel(Connection& c, uint64_t session_id, ChannelKey key) {
  MultiChannel* mc = mc_of(c);
  if (!mc) return;
  mc->active->sessions.insert(session_id);
  auto& slot = mc->active->keys[session_id];
  OPENSSL_cleanse(slot.key.data(), slot.key.size());
  slot = std::move(key);
}

uint16_t home_dialect(const Connection& c) {
  const MultiChannel* mc = mc_of(c);
  return mc && mc->adopted_any ? mc->home_dialect : c.dialect;
}

const std::array<uint8_t, 16>& home_client_guid(const Connection& c) {
  const MultiChannel* mc = mc_of(c);
  return mc && mc->adopted_any ? mc->home_guid : c.client_guid;
}

size_t channels_of_session(const Connection& c, uint64_t session_id) {
  const MultiChannel* mc = mc_of(c);
  if (!mc) return 1;
  size_t n = 0;
  for (const auto& ch : mc->channels) n += ch->alive && ch->sessions.count(session_id);
  return n;
}

// Channel.SigningKey (MS-SMB2 3.3.5.5.3) from the binding's own session key.
bool derive_channel_key(const Connection& c, Bytes session_key, const std::array<uint8_t, 64>& hash,
                        ChannelKey* out) {
  if (c.dialect == kSmb311) {
    out->key = crypto::kdf(session_key, lit("SMBSigningKey"), {hash.data(), hash.size()}, 128);
    out->alg = c.signing_algorithm;
  } else {
    out->key = crypto::kdf(session_key, lit("SMB2AESCMAC"), lit("SmbSign"), 128);
    out->alg = uint16_t(crypto::SignAlg::kAesCmac);
  }
  return out->key.size() == 16;
}

AsyncChannelScope::AsyncChannelScope(Connection& c, uint64_t async_id) : c_(c) {
  MultiChannel* mc = mc_of(c);
  if (!mc) return;
  auto it = mc->async_owner.find(async_id);
  if (it == mc->async_owner.end()) return;  // not started by a client request
  Channel* ch = nullptr;
  for (auto& o : mc->channels)
    if (o->id == it->second && o->alive) ch = o.get();
  mc->async_owner.erase(it);
  if (!ch) {
    // Its channel is gone: the answer has nowhere to go.
    muted_ = true;
    saved_send_ = std::move(c.send);
    c.send = nullptr;
    return;
  }
  prev_ = mc->active;
  switch_to(c, *mc, ch);
  switched_ = true;
}

AsyncChannelScope::~AsyncChannelScope() {
  MultiChannel* mc = mc_of(c_);
  if (muted_) c_.send = std::move(saved_send_);
  if (switched_ && mc && prev_ && prev_->alive) switch_to(c_, *mc, prev_);
}

}  // namespace cifsd::session
