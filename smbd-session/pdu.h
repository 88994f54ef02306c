#pragma once
// Pure parsers for what arrives on the client socket: NetBIOS session
// service framing (RFC 1002 4.3), the SMB2 header, the chain of compounded
// commands and the SMB1 multi-protocol NEGOTIATE. No I/O and no state, so the
// fuzzer drives them directly.
#include <cstdint>
#include <memory>
#include <vector>

#include "common/wire/reader.h"
#include "smbd-session/request.h"

namespace cifsd::session {

// NetBIOS session service packet types.
constexpr uint8_t kNbSessionMessage = 0x00, kNbSessionRequest = 0x81,
                  kNbPositiveResponse = 0x82, kNbKeepAlive = 0x85;

struct FrameHeader {
  uint8_t type = 0;
  uint32_t length = 0;   // 24 bits (the 7 flag bits of byte 1 must be zero)
};
// Parses the 4-byte frame header; false if malformed.
bool parse_frame_header(Bytes four, FrameHeader* out);

// Incremental reader of frames from a byte stream. The caller asks where the
// next bytes go (want()), reads at most that many into it, reports them with
// advance(), and uses complete frames through payload() + next() (or take()).
// The body buffer is allocated only after the length was checked against the
// current limit; it is reused from frame to frame and never zero-filled (the
// socket read fills it), so a stream of large WRITEs costs no allocation,
// page faults or memset per frame.
class Framer {
 public:
  enum class State { kHeader, kBody, kFrame, kError };
  void set_limit(uint32_t max_pdu) { limit_ = max_pdu; }
  MutBytes want();
  void advance(size_t n);
  State state() const { return state_; }
  // Valid in kFrame: the frame type and its payload, which the caller may
  // modify (e.g. decrypt in place) until next() starts the next frame.
  uint8_t type() const { return hdr_.type; }
  MutBytes payload() { return {buf_.get(), len_}; }
  void next();
  // A copy of the payload, then next().
  std::vector<uint8_t> take();

 private:
  State state_ = State::kHeader;
  uint8_t head_[4] = {};
  size_t have_ = 0;
  FrameHeader hdr_;
  std::unique_ptr<uint8_t[]> buf_;
  size_t cap_ = 0, len_ = 0;
  uint32_t limit_ = 16 * 1024;
};

// Parses the 64-byte sync or async header; false if the protocol id or
// StructureSize is wrong or the buffer is short.
bool parse_smb2_header(Bytes msg, Smb2Header* out);
void write_smb2_header(ByteWriter& w, const Smb2Header& h);

// Splits a PDU into its compounded commands. Each NextCommand must be a
// multiple of 8, at least a header long and inside the PDU. Returns false
// (the connection is dropped, as Windows does) otherwise.
bool split_compound(Bytes pdu, std::vector<Bytes>* out, size_t max_commands = 1024);

// SMB1 NEGOTIATE (MS-SMB2 3.3.5.3.1).
enum class Smb1Negotiate { kMalformed, kNoSmb2, kWildcard, kSmb202 };
// Returns the dialect to answer with: kWildcard if "SMB 2.???" is offered
// (and the server may go beyond 2.0.2), else kSmb202 if "SMB 2.002" is offered.
Smb1Negotiate parse_smb1_negotiate(Bytes pdu, bool beyond_202);

}  // namespace cifsd::session
