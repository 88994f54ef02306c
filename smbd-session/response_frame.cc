// Pieces of a response frame shared by the engine (responses to a request)
// and async.cc (final async responses, notifications): the error body, the
// frame header, signing and SMB3 encryption in place. Declared in engine.h.
#include <cstring>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/engine.h"
#include "smbd-session/pdu.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {

void put_frame_header(std::vector<uint8_t>* out, size_t at, size_t len) {
  (*out)[at] = kNbSessionMessage;
  (*out)[at + 1] = uint8_t(len >> 16);
  (*out)[at + 2] = uint8_t(len >> 8);
  (*out)[at + 3] = uint8_t(len);
}

bool session_can_sign(const Session& s) {
  // An expired session keeps its keys: its LOGOFF/CLOSE/LOCK (the commands it
  // may still send, session_expiry.h) are verified and signed as before. So
  // does a session re-authenticated as guest or anonymous: keys never change
  // on re-authentication, and guest/anonymous logons never derive any.
  return s.state != Session::State::kInProgress && !s.signing_key.empty();
}

void sign_response(const Session& s, MutBytes msg) {
  crypto::sign_message(crypto::SignAlg(s.dialect_signing_alg), s.signing_key, msg);
}

void write_error_body(ByteWriter& w) {
  w.u16(9);
  w.u8(0);   // ErrorContextCount
  w.u8(0);   // Reserved
  w.u32(0);  // ByteCount
  w.u8(0);   // ErrorData: one byte, as StructureSize 9 implies
}

// Encrypts the frame's SMB2 messages [frame_at + 4, end) into a TRANSFORM
// (MS-SMB2 2.2.41, 3.3.4.1.4) in place.
bool encrypt_frame(Connection& c, const Session& s, std::vector<uint8_t>* out, size_t frame_at) {
  out->insert(out->begin() + ptrdiff_t(frame_at + 4), smb2::kTransformHeaderSize, 0);
  return encrypt_reserved_frame(c, s, out, frame_at);
}

// The messages start kTransformHeaderSize bytes after the frame header; the
// TRANSFORM header is written into that gap and the messages encrypted where
// they are.
bool encrypt_reserved_frame(Connection& c, const Session& s, std::vector<uint8_t>* out, size_t frame_at) {
  size_t msg_at = frame_at + 4;
  if (out->size() < msg_at + smb2::kTransformHeaderSize) return false;
  size_t len = out->size() - msg_at - smb2::kTransformHeaderSize;
  if (len > UINT32_MAX) return false;
  uint8_t* t = out->data() + msg_at;
  ByteWriter w;
  w.u32(smb2::kTransformId);
  w.zeros(16);  // Signature: the AEAD tag, filled in below
  // Nonce: salt + counter, unique per connection and so per key.
  size_t nlen = crypto::cipher_nonce_len(c.cipher);
  uint8_t nonce[16] = {};
  std::memcpy(nonce, c.enc_nonce_salt.data(), nlen - 8);
  uint64_t ctr = ++c.enc_nonce_counter;
  for (int i = 0; i < 8; i++) nonce[nlen - 8 + i] = uint8_t(ctr >> (8 * i));
  w.raw(nonce, 16);
  w.u32(uint32_t(len));
  w.u16(0);
  w.u16(0x0001);  // Flags: encrypted
  w.u64(s.id);
  std::memcpy(t, w.view().data(), smb2::kTransformHeaderSize);
  std::array<uint8_t, 16> tag{};
  if (!crypto::aead_encrypt(c.cipher, s.encryption_key, {nonce, nlen}, {t + 20, 32},
                            {t + smb2::kTransformHeaderSize, len}, &tag))
    return false;
  std::memcpy(t + 4, tag.data(), 16);
  return true;
}

}  // namespace cifsd::session
