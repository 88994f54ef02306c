#pragma once
// Message framing for every process pair. Channels are SOCK_SEQPACKET
// socketpairs, so the kernel keeps message boundaries; each message is
//   u16 contract version | u16 type | u32 seq | u32 payload length | payload
// The receiver reads into a fixed buffer of kMaxMessage bytes (so the length is
// bounded before anything is allocated), rejects truncated packets, a wrong
// version and a length field that disagrees with the packet.
#include <cstdint>
#include <optional>
#include <vector>

#include "common/util/unique_fd.h"
#include "common/wire/reader.h"

namespace cifsd::ipc {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxPayload = 160 * 1024;

struct Message {
  uint16_t type = 0;
  uint32_t seq = 0;
  std::vector<uint8_t> payload;
  UniqueFd fd;  // a descriptor passed with SCM_RIGHTS, if any
  Bytes body() const { return {payload.data(), payload.size()}; }
};

enum class RecvStatus { kOk, kClosed, kAgain, kViolation, kTimeout };

// Creates a connected SOCK_SEQPACKET pair with close-on-exec set on both ends.
bool make_pair(UniqueFd* a, UniqueFd* b);

bool send_message(int fd, uint16_t version, uint16_t type, uint32_t seq, Bytes payload,
                  int pass_fd = -1);

// Receives one message. timeout_ms < 0 blocks; 0 polls once (kAgain if nothing).
RecvStatus recv_message(int fd, uint16_t version, Message* out, int timeout_ms = -1);

// Parses a raw packet (used by recv_message and by the fuzzers).
RecvStatus parse_packet(Bytes packet, uint16_t version, Message* out);

// Sends a request and waits for the answer with the same seq, up to timeout_ms.
// Any other message or a malformed one is a violation.
RecvStatus call(int fd, uint16_t version, uint16_t type, uint32_t seq, Bytes payload,
                Message* answer, int timeout_ms);

}  // namespace cifsd::ipc
