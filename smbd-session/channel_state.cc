#include "smbd-session/channel_state.h"

#include <utility>

#include "common/config/config.h"
#include "common/wire/writer.h"
#include "smbd-session/pdu.h"

namespace cifsd::session {
namespace {
constexpr size_t kMaxDialects = 64;
constexpr size_t kMaxCreditSpan = 2 * 65536 + 8;  // twice the largest "smb2 max credits"
constexpr size_t kMaxPendingPdu = 64 * 1024;
}  // namespace

ChannelState capture_channel_state(const Connection& c) {
  ChannelState s;
  s.dialect = c.dialect;
  s.client_guid = c.client_guid;
  s.client_security_mode = c.client_security_mode;
  s.client_capabilities = c.client_capabilities;
  s.server_security_mode = c.server_security_mode;
  s.server_capabilities = c.server_capabilities;
  s.client_dialects = c.client_dialects;
  s.max_read = c.max_read;
  s.max_write = c.max_write;
  s.max_trans = c.max_trans;
  s.cipher = c.cipher;
  s.signing_algorithm = c.signing_algorithm;
  s.preauth_hash_id = c.preauth_hash_id;
  s.preauth_hash = c.preauth_hash;
  s.credits = c.credits;
  s.wildcard_answered = c.wildcard_answered;
  return s;
}

void swap_channel_state(Connection& c, ChannelState& s) {
  using std::swap;
  swap(c.dialect, s.dialect);
  swap(c.client_guid, s.client_guid);
  swap(c.client_security_mode, s.client_security_mode);
  swap(c.client_capabilities, s.client_capabilities);
  swap(c.server_security_mode, s.server_security_mode);
  swap(c.server_capabilities, s.server_capabilities);
  swap(c.client_dialects, s.client_dialects);
  swap(c.max_read, s.max_read);
  swap(c.max_write, s.max_write);
  swap(c.max_trans, s.max_trans);
  swap(c.cipher, s.cipher);
  swap(c.signing_algorithm, s.signing_algorithm);
  swap(c.preauth_hash_id, s.preauth_hash_id);
  swap(c.preauth_hash, s.preauth_hash);
  swap(c.credits, s.credits);
  swap(c.wildcard_answered, s.wildcard_answered);
}

std::vector<uint8_t> encode_channel_state(const ChannelState& s) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  w.u16(s.dialect);
  w.raw(s.client_guid.data(), s.client_guid.size());
  w.u16(s.client_security_mode);
  w.u32(s.client_capabilities);
  w.u16(s.server_security_mode);
  w.u32(s.server_capabilities);
  w.u16(uint16_t(s.client_dialects.size()));
  for (uint16_t d : s.client_dialects) w.u16(d);
  w.u32(s.max_read);
  w.u32(s.max_write);
  w.u32(s.max_trans);
  w.u16(s.cipher);
  w.u16(s.signing_algorithm);
  w.u16(s.preauth_hash_id);
  w.raw(s.preauth_hash.data(), s.preauth_hash.size());
  w.u8(s.wildcard_answered ? 1 : 0);
  std::vector<uint8_t> credits;
  s.credits.save(&credits);
  w.u32(uint32_t(credits.size()));
  w.bytes({credits.data(), credits.size()});
  w.u32(uint32_t(s.pending_pdu.size()));
  w.bytes({s.pending_pdu.data(), s.pending_pdu.size()});
  return out;
}

bool decode_channel_state(Bytes in, ChannelState* out) {
  ByteReader r(in);
  ChannelState s;
  s.dialect = r.u16();
  Bytes guid = r.bytes(16);
  s.client_security_mode = r.u16();
  s.client_capabilities = r.u32();
  s.server_security_mode = r.u16();
  s.server_capabilities = r.u32();
  uint16_t nd = r.u16();
  if (!r.ok() || nd > kMaxDialects) return false;
  for (uint16_t i = 0; i < nd; i++) s.client_dialects.push_back(r.u16());
  s.max_read = r.u32();
  s.max_write = r.u32();
  s.max_trans = r.u32();
  s.cipher = r.u16();
  s.signing_algorithm = r.u16();
  s.preauth_hash_id = r.u16();
  Bytes hash = r.bytes(64);
  uint8_t wild = r.u8();
  uint32_t clen = r.u32();
  if (!r.ok() || clen > r.remaining()) return false;
  Bytes credits = r.bytes(clen);
  uint32_t plen = r.u32();
  if (!r.ok() || plen > kMaxPendingPdu || plen > r.remaining()) return false;
  Bytes pdu = r.bytes(plen);
  if (!r.ok() || !r.at_end() || wild > 1) return false;
  // Only an SMB 3.x connection can bind, and its limits are ours.
  if (s.dialect < kSmb300 || s.dialect > kSmb311) return false;
  if (s.max_read > (8u << 20) || s.max_write > (8u << 20) || s.max_trans > (8u << 20)) return false;
  std::copy(guid.begin(), guid.end(), s.client_guid.begin());
  std::copy(hash.begin(), hash.end(), s.preauth_hash.begin());
  s.wildcard_answered = wild == 1;
  if (!s.credits.restore(credits, kMaxCreditSpan)) return false;
  s.pending_pdu.assign(pdu.begin(), pdu.end());
  *out = std::move(s);
  return true;
}

}  // namespace cifsd::session
