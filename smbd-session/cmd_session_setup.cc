// SESSION_SETUP and LOGOFF (MS-SMB2 2.2.5-2.2.8, 3.3.5.5, 3.3.5.6).
#include <openssl/crypto.h>

#include "common/log/log.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/connection.h"
#include "smbd-session/durable.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/keys.h"
#include "smbd-session/multichannel.h"
#include "smbd-session/session_expiry.h"
#include "smbd-session/session_reconnect.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

constexpr size_t kMaxSessions = 128;
constexpr uint8_t kBindingFlag = 0x01;

void write_response(ByteWriter& out, uint16_t flags, Bytes blob) {
  out.u16(9);
  out.u16(flags);
  out.u16(uint16_t(smb2::kHeaderSize + 8));
  out.u16(uint16_t(blob.size()));
  out.bytes(blob);
}

void close_trees(Connection& c, Session& s) {
  end_async_for_session(c, s.id);
  for (auto& [tid, tree] : s.trees) {
    auto opens = std::move(tree->opens);
    tree->opens.clear();
    for (auto& [vid, open] : opens) close_open(c, *tree, *open);
  }
  s.trees.clear();
}

void drop_session(Connection& c, uint64_t id) {
  auto it = c.sessions.find(id);
  if (it == c.sessions.end()) return;
  channel_forget_session(c, id);
  if (it->second->auth_context) auth_release(c, it->second->auth_context);
  close_trees(c, *it->second);
  OPENSSL_cleanse(it->second->session_key.data(), it->second->session_key.size());
  for (auto* k : {&it->second->signing_key, &it->second->encryption_key,
                  &it->second->decryption_key, &it->second->application_key})
    OPENSSL_cleanse(k->data(), k->size());
  c.sessions.erase(it);
}

}  // namespace

void logoff_session(Connection& c, uint64_t id) { drop_session(c, id); }

NtStatus handle_session_setup(Request& req, ByteWriter& out) {
  Connection& c = req.conn;
  ByteReader r(req.body);
  r.skip(2);
  uint8_t flags = r.u8();
  r.skip(1);   // SecurityMode: see the client's NEGOTIATE value instead
  r.skip(4);   // Capabilities
  r.skip(4);   // Channel
  uint16_t blob_off = r.u16();
  uint16_t blob_len = r.u16();
  uint64_t previous_id = r.u64();  // reconnect: see session_reconnect.h
  Bytes blob;
  if (!r.ok() || !ByteReader::range(req.pdu, blob_off, blob_len, &blob))
    return status::kInvalidParameter;
  // Binding another connection to a session (multichannel.h).
  if ((flags & kBindingFlag) && c.dialect >= kSmb300) return handle_session_binding(req, out, blob);

  Session* s = nullptr;
  bool is_new = false;
  if (req.hdr.session_id == 0) {
    if (c.sessions.size() >= kMaxSessions) return status::kInsufficientResources;
    auto ns = std::make_unique<Session>();
    uint64_t id;
    // Bits 40-63 name the connection, so another process can route a
    // PreviousSessionId to its owner (session_reconnect.h); bits 0-39 count.
    do id = ((c.connection_id & 0xFFFFFF) << 40) | (c.next_session_id++ & 0xFFFFFFFFFFull);
    while (id == 0 || c.sessions.count(id));
    ns->id = id;
    ns->preauth_hash = c.preauth_hash;
    s = ns.get();
    c.sessions[id] = std::move(ns);
    channel_add_session(c, id);  // usable on the channel it was set up on
    is_new = true;
  } else {
    auto it = c.sessions.find(req.hdr.session_id);
    if (it == c.sessions.end()) return status::kUserSessionDeleted;
    s = it->second.get();
    if (s->state == Session::State::kValid && s->auth_context == 0 && c.dialect == kSmb311) {
      // Reauthentication restarts the exchange; keys stay those of the
      // original authentication (MS-SMB2 3.3.5.5.3).
    }
  }
  // SESSION_SETUP on an established session, valid or expired, is a
  // re-authentication (MS-SMB2 3.3.5.5.2): same keys, same user required.
  bool reauth = s->state == Session::State::kValid || s->state == Session::State::kExpired;
  if (c.dialect == kSmb311 && !reauth) crypto::preauth_update(&s->preauth_hash, req.pdu);

  ipc::auth::SessionSetup leg;
  leg.context = s->auth_context;
  leg.blob.assign(blob.begin(), blob.end());
  ipc::auth::SessionSetupAnswer ans;
  NtStatus st = auth_session_setup(c, leg, &ans);
  if (st != status::kSuccess) {
    s->auth_context = 0;  // the helper's context is gone with its channel
    if (!reauth) drop_session(c, s->id);
    return st;
  }
  req.session = s;

  switch (ans.result) {
    case ipc::auth::SetupResult::kMoreProcessing:
      s->auth_context = ans.context;
      write_response(out, 0, ans.blob);
      if (!reauth) s->state = Session::State::kInProgress;
      return status::kMoreProcessingRequired;
    case ipc::auth::SetupResult::kOk:
      break;
    default: {
      s->auth_context = 0;
      req.session = nullptr;
      NtStatus fail = ans.result == ipc::auth::SetupResult::kAccessDenied ? status::kAccessDenied
                      : ans.result == ipc::auth::SetupResult::kInvalid   ? status::kInvalidParameter
                                                                         : status::kLogonFailure;
      // A failed reauthentication ends the session too (as Windows does).
      drop_session(c, s->id);
      return fail;
    }
  }

  s->auth_context = 0;
  uint16_t sflags = 0;
  if (ans.identity.anonymous) sflags |= smb2::kSessionFlagNull;
  else if (ans.identity.guest) sflags |= smb2::kSessionFlagGuest;
  if (reauth && (s->identity.uid != ans.identity.uid || s->identity.anonymous != ans.identity.anonymous)) {
    // Windows lets a re-authentication name another user (smbtorture
    // smb2.session.reauth2-5): later requests run as the new identity, open
    // handles keep the access granted at open, and the keys stay those of
    // the first authentication. Only the holder of this connection (and of
    // its signing key when signing is on) can do this, so it gains nothing
    // its two sets of credentials would not give it anyway.
    LOG_I("session %llx re-authenticated as a different user: %s -> %s", (unsigned long long)s->id,
          s->identity.user.c_str(), ans.identity.user.c_str());
  }
  s->identity = ans.identity;
  s->session_flags = sflags;
  bool sign_capable = ans.has_session_key && !(sflags & (smb2::kSessionFlagGuest | smb2::kSessionFlagNull));
  if (!reauth) {
    // Guest and anonymous sessions have no key, so they never sign, even
    // with "server signing = mandatory" (as Windows and Samba do); what
    // they may reach is limited by "guest ok" and "restrict anonymous".
    if (sign_capable) {
      s->session_key = ans.session_key;
      s->has_key = true;
      if (!derive_session_keys(c, *s)) {
        req.session = nullptr;
        drop_session(c, s->id);
        return status::kInternalError;
      }
      s->signing_required =
          c.signing_mandatory || (c.client_security_mode & smb2::kSigningRequired);
    }
    if (c.config.global.smb3_encryption == Tristate::kMandatory) {
      // Every request of the session must come encrypted (MS-SMB2 3.3.5.5.3).
      if (!sign_capable || c.cipher == 0) {
        req.session = nullptr;
        drop_session(c, s->id);
        return status::kAccessDenied;
      }
      s->encrypt = true;
    }
  }
  if (s->encrypt) sflags |= smb2::kSessionFlagEncrypt;
  OPENSSL_cleanse(ans.session_key.data(), ans.session_key.size());
  s->state = Session::State::kValid;
  session_authenticated(c, *s, ans.lifetime_s);
  accept_reconnect_notes(c);
  if (!reauth && previous_id) end_previous_session(c, *s, previous_id);
  // 3.x: the final response is signed so the client can check the exchange
  // was not tampered with (MS-SMB2 3.3.5.5.3).
  if (sign_capable && c.dialect >= kSmb300) req.force_sign = true;
  LOG_I("session %llx: %s%s%s authenticated (%s)", (unsigned long long)s->id,
        s->identity.user.c_str(), s->identity.guest ? " [guest]" : "",
        s->identity.anonymous ? " [anonymous]" : "", protocol_name(c.dialect));
  write_response(out, sflags, ans.blob);
  (void)is_new;
  return status::kSuccess;
}

NtStatus handle_logoff(Request& req, ByteWriter& out) {
  Session* s = req.session;
  durable_detach_session(req.conn, *s);  // durable opens outlive a LOGOFF (durable.h)
  close_trees(req.conn, *s);
  if (s->auth_context) {
    auth_release(req.conn, s->auth_context);
    s->auth_context = 0;
  }
  // The engine removes the session after signing this response.
  out.u16(4);
  out.u16(0);
  return status::kSuccess;
}

}  // namespace cifsd::session
