#pragma once
// What one connection negotiated, as it travels from the process that
// accepted it to the process that adopts it as an extra channel of one of its
// sessions (multichannel, docs/multichannel.md), and as the owner keeps it for
// each channel while another channel's state is in the Connection.
#include <array>
#include <cstdint>
#include <vector>

#include "common/wire/reader.h"
#include "smbd-session/connection.h"

namespace cifsd::session {

struct ChannelState {
  uint16_t dialect = 0;
  std::array<uint8_t, 16> client_guid{};
  uint16_t client_security_mode = 0;
  uint32_t client_capabilities = 0;
  uint16_t server_security_mode = 0;
  uint32_t server_capabilities = 0;
  std::vector<uint16_t> client_dialects;
  uint32_t max_read = 0, max_write = 0, max_trans = 0;
  uint16_t cipher = 0;
  uint16_t signing_algorithm = 0;
  uint16_t preauth_hash_id = 0;
  std::array<uint8_t, 64> preauth_hash{};
  CreditWindow credits;
  bool wildcard_answered = false;
  // Only in a hand-off: the binding SESSION_SETUP the sender did not answer.
  std::vector<uint8_t> pending_pdu;
};

// The connection's negotiated state (without a pending PDU).
ChannelState capture_channel_state(const Connection& c);

// Exchanges the negotiated fields of `c` with `s` (credits included; the
// encryption nonce salt and counter stay: one process, one nonce sequence).
void swap_channel_state(Connection& c, ChannelState& s);

// Wire form of a hand-off. decode is strict and bounds every field.
std::vector<uint8_t> encode_channel_state(const ChannelState& s);
bool decode_channel_state(Bytes in, ChannelState* out);

}  // namespace cifsd::session
