// Async ops and unsolicited messages: see async.h for the contract.
#include "smbd-session/async.h"

#include <vector>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/engine.h"
#include "smbd-session/multichannel.h"
#include "smbd-session/pdu.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

Session* find_session(Connection& c, uint64_t id) {
  auto it = c.sessions.find(id);
  return it == c.sessions.end() ? nullptr : it->second.get();
}

// Frames one SMB2 message (header + body), signs and/or encrypts it, and
// hands it to the transport. An op whose session went away is sent in the
// clear only if it was never protected; otherwise it is dropped (no key).
void send_message(Connection& c, const Smb2Header& h, Bytes body, bool sign, uint64_t encrypt_session) {
  if (!c.send) return;
  std::vector<uint8_t> out(4);
  ByteWriter w(out);
  write_smb2_header(w, h);
  w.bytes(body);
  Session* enc = encrypt_session ? find_session(c, encrypt_session) : nullptr;
  if (encrypt_session && !enc) return;
  if (sign && !enc) {
    Session* s = find_session(c, h.session_id);
    if (!s || !session_can_sign(*s)) return;
    sign_on_channel(c, *s, MutBytes(out.data() + 4, out.size() - 4));
  }
  if (enc && !encrypt_frame(c, *enc, &out, 0)) {
    LOG_W("cannot encrypt an async response; dropping the connection");
    c.disconnect = true;
    return;
  }
  put_frame_header(&out, 0, out.size() - 4);
  c.send(std::move(out));
}

// Ends every op `match` selects. The ops are collected first: an on_end may
// complete other ops or start new ones.
template <class Match>
void end_matching(Connection& c, AsyncEnd why, Match match) {
  std::vector<uint64_t> ids;
  for (const auto& [id, op] : c.async_ops)
    if (match(*op)) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = c.async_ops.find(id);
    if (it == c.async_ops.end()) continue;
    auto on_end = it->second->on_end;  // copy: the callback may erase the op
    if (on_end) on_end(why);
    // An op that its callback did not complete is completed here, so the
    // client never waits forever for it.
    if (why != AsyncEnd::kTeardown && async_pending(c, id))
      complete_async(c, id, why == AsyncEnd::kCancel ? status::kCancelled : status::kFileClosed, {});
    c.async_ops.erase(id);
  }
}

}  // namespace

uint64_t go_async(Request& req, uint64_t open_volatile, std::function<void(AsyncEnd)> on_end) {
  Connection& c = req.conn;
  if (req.async_id) return req.async_id;
  if (c.async_ops.size() >= kMaxAsyncOps) return 0;
  auto op = std::make_unique<AsyncOp>();
  op->async_id = c.next_async_id++;
  op->message_id = req.hdr.message_id;
  op->session_id = req.session ? req.session->id : req.hdr.session_id;
  op->tree_id = req.tree ? req.tree->id : req.hdr.tree_id;
  op->command = req.hdr.command;
  op->credit_charge = req.hdr.credit_charge;
  op->open_volatile = open_volatile;
  op->encrypt_session = req.encrypted_by;
  if (req.session && session_can_sign(*req.session))
    op->sign = (req.hdr.flags & smb2::kFlagSigned) || req.session->signing_required;
  op->on_end = std::move(on_end);
  req.async_id = op->async_id;
  c.async_ops.emplace(op->async_id, std::move(op));
  return req.async_id;
}

bool async_pending(const Connection& c, uint64_t async_id) { return c.async_ops.count(async_id) != 0; }

void complete_async(Connection& c, uint64_t async_id, NtStatus st, Bytes body, bool keep_body) {
  auto it = c.async_ops.find(async_id);
  if (it == c.async_ops.end()) return;
  std::unique_ptr<AsyncOp> op = std::move(it->second);
  c.async_ops.erase(it);
  Smb2Header h;
  h.credit_charge = op->credit_charge;
  h.status = st;
  h.command = op->command;
  h.credits = 0;  // granted with the interim response (3.3.4.3)
  h.flags = smb2::kFlagResponse | smb2::kFlagAsync;
  h.message_id = op->message_id;
  h.async_id = op->async_id;
  h.session_id = op->session_id;
  std::vector<uint8_t> err;
  bool is_error = st != status::kSuccess && (st & 0xC0000000u) != 0;
  if (body.empty() || (is_error && !keep_body)) {
    ByteWriter ew(err);
    write_error_body(ew);
    body = {err.data(), err.size()};
  }
  {
    // On the channel the request came on, with its key (multichannel.h).
    AsyncChannelScope channel(c, async_id);
    send_message(c, h, body, op->sign, op->encrypt_session);
  }
  if (op->then) op->then(st, body);
}

void end_async_for_open(Connection& c, uint64_t open_volatile) {
  if (!open_volatile) return;
  end_matching(c, AsyncEnd::kClose, [&](const AsyncOp& op) { return op.open_volatile == open_volatile; });
}

void end_async_for_tree(Connection& c, uint64_t session_id, uint32_t tree_id) {
  end_matching(c, AsyncEnd::kTreeDisconnect,
               [&](const AsyncOp& op) { return op.session_id == session_id && op.tree_id == tree_id; });
}

void end_async_for_session(Connection& c, uint64_t session_id) {
  end_matching(c, AsyncEnd::kLogoff, [&](const AsyncOp& op) { return op.session_id == session_id; });
}

void end_all_async(Connection& c) {
  end_matching(c, AsyncEnd::kTeardown, [](const AsyncOp&) { return true; });
}

void cancel_request(Connection& c, const Smb2Header& h) {
  uint64_t found = 0;
  if (h.flags & smb2::kFlagAsync) {
    auto it = c.async_ops.find(h.async_id);
    if (it != c.async_ops.end() && it->second->session_id == h.session_id) found = h.async_id;
  } else {
    for (const auto& [id, op] : c.async_ops)
      if (op->message_id == h.message_id && op->session_id == h.session_id) found = id;
  }
  if (!found) {
    LOG_D("CANCEL for nothing pending (mid %llu)", (unsigned long long)h.message_id);
    return;
  }
  end_matching(c, AsyncEnd::kCancel, [&](const AsyncOp& op) { return op.async_id == found; });
}

void send_notification(Connection& c, uint64_t key_session, uint16_t command, Bytes body, bool sign) {
  Smb2Header h;
  h.command = command;
  h.flags = smb2::kFlagResponse;
  h.message_id = ~0ull;
  h.session_id = 0;
  Session* s = key_session ? find_session(c, key_session) : nullptr;
  uint64_t enc = s && s->encrypt ? key_session : 0;
  if (sign && s && !enc) {
    // Signing needs the SessionId in the header so the client finds the key.
    h.session_id = key_session;
  }
  send_message(c, h, body, sign && s && !enc, enc);
}

}  // namespace cifsd::session
