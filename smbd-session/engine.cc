#include "smbd-session/engine.h"

#include <cstring>

#include "common/log/log.h"
#include "smbd-session/async.h"
#include "smbd-session/command_table.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/identity.h"
#include "smbd-session/multichannel.h"
#include "smbd-session/negotiate.h"
#include "smbd-session/pdu.h"
#include "smbd-session/session_expiry.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

constexpr uint32_t kPreAuthLimit = 16 * 1024;

bool is_error(NtStatus s) { return s != status::kSuccess && (s & 0xC0000000u) != 0; }

// Statuses whose response keeps the handler's body (MS-SMB2 3.3.4.4).
bool keeps_body(uint16_t command, NtStatus s) {
  if (s == status::kMoreProcessingRequired) return command == smb2::kSessionSetup;
  if (s == status::kBufferOverflow)
    return command == smb2::kRead || command == smb2::kQueryInfo || command == smb2::kIoctl;
  return false;
}


// Payload size of a multi-credit request (MS-SMB2 3.3.5.2.5), 0 if the
// command is not one of them.
uint64_t credit_payload(uint16_t command, Bytes body) {
  ByteReader r(body);
  switch (command) {
    case smb2::kRead:
    case smb2::kWrite: {
      r.skip(4);
      return r.u32();
    }
    case smb2::kIoctl: {
      r.skip(28);
      uint64_t in = r.u32(), max_in = r.u32();
      r.skip(4);
      uint64_t out = r.u32(), max_out = r.u32();
      return std::max(in + out, max_in + max_out);
    }
    case smb2::kQueryDirectory: {
      r.skip(26);
      uint64_t name = r.u16();
      uint64_t out = r.u32();
      return std::max(name, out);
    }
    default:
      return 0;
  }
}

// Everything about one command of a compound that the next related one inherits.
struct ChainState {
  uint64_t session_id = 0;
  uint32_t tree_id = 0;
  NtStatus status = status::kSuccess;
  FileId file_id{~0ull, ~0ull};
  bool have_file_id = false;
  // A failed CREATE leaves no FileId; the related requests that would have
  // used it fail with its status (MS-SMB2 3.3.5.2.7.2), as Windows does.
  NtStatus create_status = status::kSuccess;

  // A CREATE's outcome: on success its FileId (at offset 64 of the response
  // body) is what related requests' placeholder ids name.
  void after_create(NtStatus st, Bytes body) {
    create_status = st;
    have_file_id = false;
    file_id = FileId{~0ull, ~0ull};
    if (st != status::kSuccess) return;
    ByteReader cr(body);
    cr.seek(64);
    FileId fid = read_file_id(cr);
    if (cr.ok()) {
      file_id = fid;
      have_file_id = true;
    }
  }
};

EngineResult handle_smb1(Connection& c, Bytes payload, std::vector<uint8_t>* out) {
  if (c.dialect != 0 || c.wildcard_answered) return EngineResult::kDisconnect;
  bool beyond = c.config.global.max_protocol > kSmb202;
  Smb1Negotiate which = parse_smb1_negotiate(payload, beyond);
  uint16_t dialect;
  if (which == Smb1Negotiate::kWildcard) dialect = smb2::kDialectWildcard;
  else if (which == Smb1Negotiate::kSmb202 && c.config.global.min_protocol <= kSmb202) dialect = kSmb202;
  else return EngineResult::kDisconnect;
  if (!c.credits.consume(0, 1)) return EngineResult::kDisconnect;
  size_t at = out->size();
  out->resize(at + 4);
  ByteWriter w(*out);
  Smb2Header h;
  h.command = smb2::kNegotiate;
  h.flags = smb2::kFlagResponse;
  h.credits = 1;
  write_smb2_header(w, h);
  if (build_negotiate_response(c, dialect, nullptr, w) != status::kSuccess)
    return EngineResult::kDisconnect;
  c.credits.grant(1);
  if (dialect == smb2::kDialectWildcard) c.wildcard_answered = true;
  put_frame_header(out, at, out->size() - at - 4);
  return EngineResult::kContinue;
}

}  // namespace

uint32_t frame_limit(const Connection& c) {
  // An expired session is still authenticated (it only has to re-authenticate):
  // its large WRITE gets STATUS_NETWORK_SESSION_EXPIRED, not a dropped connection.
  for (const auto& [id, s] : c.sessions)
    if (s->state != Session::State::kInProgress) {
      uint32_t big = std::max(c.max_write, c.max_trans);
      return big + (1u << 20);
    }
  return kPreAuthLimit;
}

Open* find_open(Request& req, FileId id) {
  if (id.is_related_placeholder() && (req.hdr.flags & smb2::kFlagRelated) && req.compound_file_id)
    id = *req.compound_file_id;
  if (!req.tree) return nullptr;
  auto it = req.tree->opens.find(id.volatile_);
  if (it == req.tree->opens.end() || it->second->id.persistent != id.persistent) return nullptr;
  return it->second.get();
}

namespace {

EngineResult process_smb2(Connection& c, Bytes payload, std::vector<uint8_t>* out, Session* enc);
EngineResult process_chain(Connection& c, Bytes payload, size_t first, ChainState chain,
                           std::vector<uint8_t>* out, Session* enc);
void resume_chain(Connection& c, const std::vector<uint8_t>& payload, size_t next, ChainState chain,
                  uint64_t enc_id, uint16_t command, NtStatus st, Bytes body);

// A TRANSFORM from the client: decrypt with the session's key and process
// the SMB2 messages inside; the answer goes back encrypted. The ciphertext
// is decrypted where it was received (a large WRITE's data is then written
// from there), so `payload` is overwritten.
EngineResult handle_transform(Connection& c, MutBytes payload, std::vector<uint8_t>* out) {
  if (c.dialect < kSmb300 || c.cipher == 0) return EngineResult::kDisconnect;
  ByteReader r(payload);
  r.skip(4);
  Bytes tag = r.bytes(16);
  Bytes nonce = r.bytes(16);
  uint32_t orig = r.u32();
  r.skip(2);
  uint16_t flags = r.u16();
  uint64_t sid = r.u64();
  if (!r.ok() || flags != 0x0001 || orig != r.remaining() || orig < smb2::kHeaderSize)
    return EngineResult::kDisconnect;
  auto it = c.sessions.find(sid);
  // An expired session keeps its keys: its requests are decrypted and
  // answered (STATUS_NETWORK_SESSION_EXPIRED, or served for the commands an
  // expired session may use and its re-authentication), encrypted.
  if (it == c.sessions.end() ||
      (it->second->state != Session::State::kValid && it->second->state != Session::State::kExpired) ||
      it->second->decryption_key.empty())
    return EngineResult::kDisconnect;
  Session* s = it->second.get();
  // The nonce, AAD and tag live in the header, which decryption leaves alone.
  MutBytes plain = payload.subspan(smb2::kTransformHeaderSize);
  if (!crypto::aead_decrypt(c.cipher, s->decryption_key, nonce.first(crypto::cipher_nonce_len(c.cipher)),
                            payload.subspan(20, 32), plain, tag.data())) {
    LOG_W("undecryptable message for session %llx", (unsigned long long)sid);
    return EngineResult::kDisconnect;
  }
  ByteReader pr(plain);
  if (pr.u32() != smb2::kProtocolId) return EngineResult::kDisconnect;
  return process_smb2(c, plain, out, s);
}

}  // namespace

EngineResult process_frame(Connection& c, uint8_t nb_type, Bytes payload,
                           std::vector<uint8_t>* out) {
  // Only a TRANSFORM is modified (decrypted in place): copy just that.
  ByteReader pr(payload);
  if (nb_type == kNbSessionMessage && pr.u32() == smb2::kTransformId) {
    std::vector<uint8_t> copy(payload.begin(), payload.end());
    return process_frame_in_place(c, nb_type, {copy.data(), copy.size()}, out);
  }
  // Not written to on any other path.
  return process_frame_in_place(c, nb_type, {const_cast<uint8_t*>(payload.data()), payload.size()}, out);
}

EngineResult process_frame_in_place(Connection& c, uint8_t nb_type, MutBytes payload,
                                    std::vector<uint8_t>* out) {
  if (nb_type == kNbKeepAlive) return EngineResult::kContinue;
  if (c.before_frame) c.before_frame();
  if (nb_type == kNbSessionRequest) {
    // RFC 1002 session request (port 139 style): always accept.
    out->insert(out->end(), {kNbPositiveResponse, 0, 0, 0});
    return EngineResult::kContinue;
  }
  if (nb_type != kNbSessionMessage || payload.size() < 4) return EngineResult::kDisconnect;
  ByteReader pr(payload);
  uint32_t proto = pr.u32();
  EngineResult r;
  size_t start = out->size();
  if (proto == smb2::kSmb1ProtocolId) {
    r = handle_smb1(c, payload, out);
  } else if (proto == smb2::kTransformId) {
    r = handle_transform(c, payload, out);
  } else if (proto == smb2::kProtocolId) {
    r = process_smb2(c, payload, out, nullptr);
  } else {
    LOG_D("unsupported protocol id 0x%08x", proto);
    r = EngineResult::kDisconnect;
  }
  // A dropped connection gets no half-built answer.
  if (r == EngineResult::kDisconnect) out->resize(start);
  return r;
}

namespace {

// Pads the previous response of a compound (at last_msg_at) to 8 bytes and
// points its NextCommand at what follows. Relative to the message: the
// buffer also holds the frame header.
void pad_and_chain(std::vector<uint8_t>* out, size_t last_msg_at) {
  ByteWriter pw(*out);
  while ((out->size() - last_msg_at) % 8) pw.u8(0);
  size_t next = out->size() - last_msg_at;
  pw.patch_u32(last_msg_at + 20, uint32_t(next));
}

// `enc`: the session whose key decrypted this PDU, or nullptr if it came in
// the clear.
EngineResult process_smb2(Connection& c, Bytes payload, std::vector<uint8_t>* out, Session* enc) {
  return process_chain(c, payload, 0, ChainState{}, out, enc);
}

// After a request of a compound went async, the rest of the chain waits for
// its final response (a related request needs, e.g., the FileId of a CREATE
// that waited for an oplock break) and is then answered in a frame of its own.
void continue_chain_after(Connection& c, uint64_t async_id, std::vector<uint8_t> payload, size_t next,
                          ChainState chain, uint64_t enc_id, uint16_t command) {
  auto it = c.async_ops.find(async_id);
  if (it == c.async_ops.end()) return;
  it->second->then = [&c, payload = std::move(payload), next, chain, enc_id, command](NtStatus st,
                                                                                      Bytes body) mutable {
    // Deferred to the loop: the completion may come from inside another
    // request's handler, whose identity and state must not be disturbed.
    auto resume = [&c, payload = std::move(payload), next, chain, enc_id, command, st,
                   body = std::vector<uint8_t>(body.begin(), body.end())]() mutable {
      resume_chain(c, payload, next, chain, enc_id, command, st, {body.data(), body.size()});
    };
    if (c.defer) c.defer(std::move(resume));
    else resume();
  };
}

void resume_chain(Connection& c, const std::vector<uint8_t>& payload, size_t next, ChainState chain,
                  uint64_t enc_id, uint16_t command, NtStatus st, Bytes body) {
  {
    chain.status = st;
    if (command == smb2::kCreate) chain.after_create(st, body);
    Session* enc = nullptr;
    if (enc_id) {
      auto s = c.sessions.find(enc_id);
      if (s == c.sessions.end()) return;  // no key to answer with
      enc = s->second.get();
    }
    std::vector<uint8_t> frame;
    EngineResult r = process_chain(c, {payload.data(), payload.size()}, next, chain, &frame, enc);
    if (r == EngineResult::kDisconnect) c.disconnect = true;
    if (c.send && !frame.empty()) c.send(std::move(frame));
  }
}

EngineResult process_chain(Connection& c, Bytes payload, size_t first, ChainState chain,
                           std::vector<uint8_t>* out, Session* enc) {
  const uint64_t enc_id = enc ? enc->id : 0;
  std::vector<Bytes> cmds;
  if (!split_compound(payload, &cmds)) {
    LOG_D("malformed SMB2 PDU or compound chain");
    return EngineResult::kDisconnect;
  }

  size_t frame_at = out->size();
  // An encrypted answer gets room for its TRANSFORM header now, so that
  // encryption later works in place without moving the whole frame.
  out->resize(frame_at + 4 + (enc ? smb2::kTransformHeaderSize : 0));
  size_t last_msg_at = 0;
  struct Pending { size_t at; uint64_t session; bool sign; };
  std::vector<Pending> pending;
  std::vector<size_t> preauth_after_sign;  // indexes into pending
  std::vector<uint64_t> logged_off;
  bool any_response = false;

  for (size_t i = first; i < cmds.size(); i++) {
    Bytes msg = cmds[i];
    Smb2Header h;
    parse_smb2_header(msg, &h);  // validated by split_compound
    if (h.flags & smb2::kFlagResponse) return EngineResult::kDisconnect;
    bool related = (h.flags & smb2::kFlagRelated) != 0;
    const CommandInfo* info = command_info(h.command);

    // Negotiation state: only NEGOTIATE first; never a second one.
    if (h.command == smb2::kNegotiate) {
      if (c.dialect != 0 || cmds.size() != 1) return EngineResult::kDisconnect;
    } else if (c.dialect == 0) {
      return EngineResult::kDisconnect;
    }

    // Credits / sequence window (CANCEL does not consume a MessageId).
    uint16_t charge = h.credit_charge;
    bool multi_credit = c.dialect != 0 && c.dialect != kSmb202 &&
                        (c.server_capabilities & smb2::kCapLargeMtu);
    if (!multi_credit) charge = 1;
    if (h.command != smb2::kCancel) {
      if (!c.credits.consume(h.message_id, charge ? charge : 1)) {
        LOG_D("MessageId %llu (charge %u) outside the credit window",
              (unsigned long long)h.message_id, charge);
        return EngineResult::kDisconnect;
      }
    }

    Bytes body = msg.subspan(smb2::kHeaderSize);
    Request req{c, h, msg, body};
    req.compound_file_id = &chain.file_id;
    req.encrypted_by = enc_id;
    NtStatus st = status::kSuccess;
    uint64_t eff_session = h.session_id;
    uint32_t eff_tree = h.tree_id;
    if (related) {
      if (i == 0) st = status::kInvalidParameter;
      eff_session = chain.session_id;
      eff_tree = chain.tree_id;
    }
    req.hdr.session_id = eff_session;
    req.hdr.tree_id = eff_tree;

    if (st == status::kSuccess && !info) st = status::kInvalidParameter;
    if (st == status::kSuccess) {
      size_t need = info->structure_size & ~1u;
      uint16_t ss = ByteReader(body).u16();
      bool size_ok = ss == info->structure_size ||
                     (h.command == smb2::kOplockBreak && (ss == 36 || ss == 44));
      if (body.size() < need || !size_ok) st = status::kInvalidParameter;
    }
    if (st == status::kSuccess && multi_credit) {
      uint64_t payload_len = credit_payload(h.command, body);
      uint64_t expected = payload_len ? (payload_len - 1) / 65536 + 1 : 1;
      if ((charge ? charge : 1) < expected) st = status::kInvalidParameter;
    }
    if (h.command == smb2::kCancel) {
      // CANCEL gets no response of its own (3.3.5.16); the cancelled
      // request's final response says what happened.
      if (st == status::kSuccess) {
        Smb2Header ch = h;
        ch.session_id = eff_session;
        cancel_request(c, ch);
      }
      chain.session_id = eff_session;
      chain.tree_id = eff_tree;
      continue;
    }

    // Session lookup (also for commands that do not need one, for signing).
    Session* sess = nullptr;
    if (st == status::kSuccess && eff_session != 0) {
      auto it = c.sessions.find(eff_session);
      if (it != c.sessions.end()) sess = it->second.get();
      // A session that logged off earlier in this compound is gone for the
      // rest of it, although it is erased only after the responses are signed.
      for (uint64_t id : logged_off)
        if (id == eff_session) sess = nullptr;
      // Multichannel: a channel serves only the sessions set up on or bound to it.
      if (sess && !channel_has_session(c, *sess)) sess = nullptr;
    }
    // "session expiry" (session_expiry.h): an expired session may only close,
    // unlock and log off until it re-authenticates (MS-SMB2 3.3.5.2.9).
    bool expired_ok = sess && refresh_session_state(*sess) == Session::State::kExpired &&
                      expired_session_may(h.command, body);
    if (st == status::kSuccess && info->needs_session) {
      // A related request inherits the previous one's SessionId; if that
      // names no session the chain itself is malformed.
      if (!sess) st = related ? status::kInvalidParameter : status::kUserSessionDeleted;
      else if (sess->state == Session::State::kExpired && !expired_ok) st = status::kNetworkSessionExpired;
      else if (sess->state == Session::State::kInProgress) st = status::kUserSessionDeleted;
    }
    bool req_signed = (h.flags & smb2::kFlagSigned) != 0;
    if (st == status::kSuccess && enc && sess != enc) st = status::kAccessDenied;
    if (st == status::kSuccess && !enc && sess && sess->encrypt && h.command != smb2::kSessionSetup)
      st = status::kAccessDenied;  // an encrypted session takes no clear-text requests
    if (st == status::kSuccess && !enc && sess && h.command != smb2::kSessionSetup &&
        session_can_sign(*sess)) {
      if (req_signed) {
        if (!verify_on_channel(c, *sess, msg)) {
          LOG_W("bad signature on %s", info->name);
          st = status::kAccessDenied;
        }
      } else if (sess->signing_required && h.command != smb2::kEcho) {
        st = status::kAccessDenied;
      }
    }
    if (st == status::kSuccess && sess && (sess->state == Session::State::kValid || expired_ok))
      req.session = sess;
    if (st == status::kSuccess && info->needs_tree) {
      auto it = sess->trees.find(eff_tree);
      if (it == sess->trees.end()) st = status::kNetworkNameDeleted;
      else if (it->second->encrypt && !enc) st = status::kAccessDenied;
      else req.tree = it->second.get();
    }
    // IOCTL checks its own FileId (some FSCTLs take none) but takes part in
    // the compound's FileId chain like the others.
    uint16_t fid_off = !info ? 0
                       : info->file_id_offset ? info->file_id_offset
                       : (h.command == smb2::kIoctl ? 8 : 0);
    if (st == status::kSuccess && fid_off) {
      ByteReader fr(body);
      fr.seek(fid_off);
      FileId fid = read_file_id(fr);
      if (!fr.ok()) {
        st = status::kInvalidParameter;
      } else if (fid.is_related_placeholder() && related && !chain.have_file_id &&
                 is_error(chain.create_status)) {
        st = chain.create_status;
      } else if (Open* o = find_open(req, fid)) {
        chain.file_id = o->id;
        chain.have_file_id = true;
      } else {
        // An id that names nothing breaks the chain for later related requests.
        chain.file_id = FileId{~0ull, ~0ull};
        chain.have_file_id = false;
        if (info->file_id_offset) st = status::kFileClosed;
      }
    }

    // READ writes its body (up to max_read of file data) straight into the
    // frame after a header placeholder, saving a copy of the data; its
    // handler only appends to the writer and patches what it appended.
    const bool direct = h.command == smb2::kRead;
    size_t direct_msg_at = 0, direct_body_at = 0;
    if (direct) {
      if (any_response) pad_and_chain(out, last_msg_at);
      direct_msg_at = out->size();
      out->resize(direct_msg_at + smb2::kHeaderSize);
      direct_body_at = out->size();
    }
    // Run the handler under the session's identity.
    std::vector<uint8_t> resp_body;
    ByteWriter bw(direct ? *out : resp_body);
    auto body_view = [&]() -> Bytes {
      return direct ? Bytes(out->data() + direct_body_at, out->size() - direct_body_at)
                    : Bytes(resp_body.data(), resp_body.size());
    };
    if (st == status::kSuccess) {
      bool as_user = req.session && h.command != smb2::kSessionSetup;
      if (as_user && !become_user(req.session->identity)) {
        st = status::kAccessDenied;
      } else {
        st = info->handler(req, bw);
        if (as_user) become_service();
      }
      if (c.disconnect) return EngineResult::kDisconnect;
      // kPending is only valid from a handler that registered an async op.
      if (st == status::kPending && req.async_id == 0) st = status::kInternalError;
      if (st != status::kPending && req.async_id != 0) {
        complete_async(c, req.async_id, st, body_view());
        st = status::kInternalError;  // not reached by correct handlers
      }
    }
    if (st != status::kSuccess && !keeps_body(h.command, st) && !req.keep_error_body) {
      if (direct) out->resize(direct_body_at);
      else resp_body.clear();
      write_error_body(bw);
    }
    if (h.command == smb2::kCreate) chain.after_create(st, {resp_body.data(), resp_body.size()});

    // Build the response header + body.
    // STATUS_NETWORK_SESSION_EXPIRED is signed with the expired session's
    // key like any answer to it (the client checks it; smbtorture
    // smb2.session.expire1s).
    Session* sign_sess = req.session;
    if (!sign_sess && sess && h.command != smb2::kSessionSetup && h.command != smb2::kLogoff &&
        (st == status::kNetworkSessionExpired || st == status::kSuccess)) {
      // Looked up again: only SESSION_SETUP and LOGOFF remove sessions, but
      // `sess` must not be trusted after a handler ran.
      auto again = c.sessions.find(eff_session);
      if (again != c.sessions.end() && again->second.get() == sess &&
          sess->state == Session::State::kExpired)
        sign_sess = sess;  // also an ECHO naming the expired session
    }
    Smb2Header rh;
    rh.credit_charge = h.credit_charge;
    rh.status = st;
    rh.command = h.command;
    rh.flags = smb2::kFlagResponse | (related ? smb2::kFlagRelated : 0);
    if (st == status::kPending) {
      // The interim response (3.3.4.2): async form of the header.
      rh.flags |= smb2::kFlagAsync;
      rh.async_id = req.async_id;
    }
    rh.message_id = h.message_id;
    rh.session_id = req.session ? req.session->id : eff_session;
    rh.tree_id = req.tree ? req.tree->id : eff_tree;
    uint32_t max_credits = c.config.global.smb2_max_credits ? c.config.global.smb2_max_credits : 1;
    uint32_t grant = c.credits.to_grant(h.credits, charge ? charge : 1, max_credits);
    if (grant > 0xFFFF) grant = 0xFFFF;
    rh.credits = uint16_t(grant);
    c.credits.grant(grant);

    if (any_response && !direct) pad_and_chain(out, last_msg_at);
    // The previous response is complete now (padding and NextCommand set):
    // sign it before starting this one.
    size_t msg_at = direct ? direct_msg_at : out->size();
    if (direct) {
      std::vector<uint8_t> hv;
      ByteWriter hw(hv);
      write_smb2_header(hw, rh);
      if (hv.size() != smb2::kHeaderSize) return EngineResult::kDisconnect;
      std::memcpy(out->data() + msg_at, hv.data(), hv.size());
    } else {
      ByteWriter ow(*out);
      write_smb2_header(ow, rh);
      ow.bytes(resp_body);
    }

    // Remember what to sign: done once the chain's padding is final.
    // Interim responses are not signed (3.3.4.2); the final one will be.
    bool sign = !enc && sign_sess && session_can_sign(*sign_sess) && st != status::kPending &&
                (req_signed || sign_sess->signing_required || req.force_sign);
    pending.push_back({msg_at, sign_sess ? sign_sess->id : 0, sign});
    last_msg_at = msg_at;
    any_response = true;

    // 3.1.1 preauth integrity over NEGOTIATE and unfinished SESSION_SETUP.
    if (c.dialect == kSmb311) {
      Bytes resp_msg(out->data() + msg_at, out->size() - msg_at);
      if (h.command == smb2::kNegotiate && st == status::kSuccess) {
        c.preauth_hash.fill(0);
        crypto::preauth_update(&c.preauth_hash, msg);
        crypto::preauth_update(&c.preauth_hash, resp_msg);
      } else if (h.command == smb2::kSessionSetup && st == status::kMoreProcessingRequired) {
        // A signed one (a multichannel binding) is hashed as sent, once signed.
        auto it = c.sessions.find(rh.session_id);
        if (pending.back().sign) preauth_after_sign.push_back(pending.size() - 1);
        else if (it != c.sessions.end()) crypto::preauth_update(&it->second->preauth_hash, resp_msg);
      }
    }

    chain.session_id = rh.session_id;
    chain.tree_id = rh.tree_id;
    chain.status = st;

    if (h.command == smb2::kLogoff && st == status::kSuccess) logged_off.push_back(eff_session);
    if (st == status::kPending && i + 1 < cmds.size()) {
      continue_chain_after(c, req.async_id, std::vector<uint8_t>(payload.begin(), payload.end()), i + 1, chain,
                           enc_id, h.command);
      break;
    }
  }
  // The last response of a compound is padded to 8 bytes as well (Windows
  // and Samba do; smbtorture smb2.compound.compound-padding); a response to
  // a lone request is not.
  if (any_response && cmds.size() > 1) {
    ByteWriter pw(*out);
    while ((out->size() - last_msg_at) % 8) pw.u8(0);
  }
  // Sign every response now that offsets and padding are final.
  for (size_t k = 0; k < pending.size(); k++) {
    if (!pending[k].sign) continue;
    size_t end = k + 1 < pending.size() ? pending[k + 1].at : out->size();
    auto it = c.sessions.find(pending[k].session);
    if (it == c.sessions.end()) continue;
    MutBytes m(out->data() + pending[k].at, end - pending[k].at);
    sign_on_channel(c, *it->second, m);  // Channel.SigningKey (multichannel.h)
  }
  for (size_t k : preauth_after_sign) {
    size_t end = k + 1 < pending.size() ? pending[k + 1].at : out->size();
    auto it = c.sessions.find(pending[k].session);
    if (it != c.sessions.end())
      crypto::preauth_update(&it->second->preauth_hash, Bytes(out->data() + pending[k].at, end - pending[k].at));
  }

  if (!any_response) {
    out->resize(frame_at);
  } else {
    // A session that logged off in this PDU still encrypts its answer.
    if (enc) {
      // Looked up again: a handler may have dropped the session meanwhile.
      auto it = c.sessions.find(enc_id);
      if (it == c.sessions.end() || !encrypt_reserved_frame(c, *it->second, out, frame_at))
        return EngineResult::kDisconnect;
    }
    put_frame_header(out, frame_at, out->size() - frame_at - 4);
  }
  // Logged-off sessions go away only after their response was signed or
  // encrypted.
  for (uint64_t id : logged_off) {
    channel_forget_session(c, id);
    c.sessions.erase(id);
  }
  return EngineResult::kContinue;
}

}  // namespace

}  // namespace cifsd::session
