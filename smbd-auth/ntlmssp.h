#pragma once
// NTLMSSP messages (MS-NLMP 2.2): parsing NEGOTIATE and AUTHENTICATE, building
// CHALLENGE, and the AV pairs of an NTLMv2 response. Pure functions over byte
// spans; every (Len, MaxLen, Offset) field is resolved through
// ByteReader::range. Cryptography lives in ntlm_server.cc.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd::ntlmssp {

enum Flag : uint32_t {
  kUnicode = 0x00000001,
  kOem = 0x00000002,
  kRequestTarget = 0x00000004,
  kSign = 0x00000010,
  kSeal = 0x00000020,
  kLmKey = 0x00000080,
  kNtlm = 0x00000200,
  kAnonymous = 0x00000800,
  kAlwaysSign = 0x00008000,
  kTargetTypeDomain = 0x00010000,
  kTargetTypeServer = 0x00020000,
  kExtendedSessionSecurity = 0x00080000,
  kRequestNonNtSessionKey = 0x00400000,
  kTargetInfo = 0x00800000,
  kVersion = 0x02000000,
  k128 = 0x20000000,
  kKeyExch = 0x40000000,
  k56 = 0x80000000,
};

enum AvId : uint16_t {
  kAvEol = 0,
  kAvNbComputerName = 1,
  kAvNbDomainName = 2,
  kAvDnsComputerName = 3,
  kAvDnsDomainName = 4,
  kAvDnsTreeName = 5,
  kAvFlags = 6,
  kAvTimestamp = 7,
  kAvSingleHost = 8,
  kAvTargetName = 9,
  kAvChannelBindings = 10,
};
constexpr uint32_t kAvFlagMicPresent = 0x2;

constexpr uint32_t kTypeNegotiate = 1, kTypeChallenge = 2, kTypeAuthenticate = 3;
constexpr size_t kAuthMicOffset = 72;  // MIC follows the 8-byte Version field
constexpr size_t kAuthHeaderWithMic = 88;
constexpr size_t kMaxNameBytes = 512;  // user/domain/workstation in UTF-16, bytes

struct Negotiate {
  uint32_t flags = 0;
};

struct Authenticate {
  uint32_t flags = 0;
  Bytes lm_response, nt_response, domain, user, workstation, encrypted_session_key;
  bool has_mic_field = false;  // the payload starts at or after kAuthHeaderWithMic
  // Names decoded (UTF-16LE when UNICODE is negotiated, else treated as ASCII).
  std::string user_name, domain_name, workstation_name;
};

// Returns the message type if `b` starts with the NTLMSSP signature, else 0.
uint32_t message_type(Bytes b);
bool parse_negotiate(Bytes b, Negotiate* out);
bool parse_authenticate(Bytes b, Authenticate* out);

struct ChallengeParams {
  uint32_t flags = 0;
  std::array<uint8_t, 8> server_challenge{};
  std::string target_name;      // NetBIOS name
  std::string nb_domain;        // workgroup
  std::string nb_computer;
  std::string dns_domain;
  std::string dns_computer;
  uint64_t timestamp = 0;       // FILETIME
};
std::vector<uint8_t> build_challenge(const ChallengeParams& p);

// An NTLMv2 client "temp" blob (NtChallengeResponse after the 16-byte proof).
struct V2Blob {
  uint64_t timestamp = 0;
  std::array<uint8_t, 8> client_challenge{};
  uint32_t av_flags = 0;  // MsvAvFlags, 0 if absent
  bool has_av_flags = false;
};
bool parse_v2_blob(Bytes temp, V2Blob* out);

// Test/fuzz helpers: build a client NEGOTIATE and AUTHENTICATE.
std::vector<uint8_t> build_negotiate(uint32_t flags);
struct AuthenticateParams {
  uint32_t flags = 0;
  std::vector<uint8_t> lm_response, nt_response, encrypted_session_key;
  std::string user, domain, workstation;
  bool with_mic = true;  // reserve Version + MIC fields
};
std::vector<uint8_t> build_authenticate(const AuthenticateParams& p);

uint64_t filetime_now();

}  // namespace cifsd::ntlmssp
