#pragma once
// NEGOTIATE pieces shared by cmd_negotiate.cc, the SMB1 path of the engine
// and the fuzzer: the pure negotiate-context parser and the response builder.
#include <array>
#include <cstdint>
#include <vector>

#include "smbd-session/connection.h"

namespace cifsd::session {

constexpr uint16_t kCtxPreauth = 1, kCtxEncryption = 2, kCtxCompression = 3, kCtxNetname = 5,
                   kCtxTransport = 6, kCtxRdma = 7, kCtxSigning = 8;
constexpr uint16_t kHashSha512 = 1;
constexpr uint16_t kSignHmacSha256 = 0, kSignAesCmac = 1, kSignAesGmac = 2;
constexpr NtStatus kStatusNoPreauthOverlap = 0xC05D0000;

struct NegotiateContexts {
  bool has_preauth = false, has_encryption = false, has_signing = false,
       has_compression = false;
  bool posix = false;  // SMB3_POSIX_EXTENSIONS_AVAILABLE with our version's tag (posix/posix_ext.h)
  std::vector<uint16_t> hash_algs;
  std::vector<uint16_t> ciphers;
  std::vector<uint16_t> signing_algs;
};

// Parses the contexts of a 3.1.1 NEGOTIATE request: `msg` is the request
// from its SMB2 header on (offsets are relative to it). Returns kSuccess,
// kInvalidParameter for malformed or duplicate contexts, or
// kStatusNoPreauthOverlap if SHA-512 is not offered.
NtStatus parse_negotiate_contexts(Bytes msg, uint32_t offset, uint16_t count,
                                  NegotiateContexts* out);

// Writes a NEGOTIATE response body for `dialect` (which may be 0x02FF).
// ctx is the client's contexts for 3.1.1 (nullptr otherwise). Fills the
// connection's negotiated fields.
NtStatus build_negotiate_response(Connection& c, uint16_t dialect, const NegotiateContexts* ctx,
                                  ByteWriter& out);

// Stable per server name: clients compare it across connections (multichannel).
std::array<uint8_t, 16> server_guid(const Config& cfg);

}  // namespace cifsd::session
