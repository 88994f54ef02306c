#pragma once
// The server side of one NTLMSSP exchange (MS-NLMP 3.2.5): NEGOTIATE ->
// CHALLENGE, then AUTHENTICATE -> verdict, identity and session key. NTLMv2,
// and NTLMv1 when "ntlm auth" permits it; LM responses are refused (the
// password database holds only NT hashes). Also the NTLMSSP message signature
// used for the SPNEGO mechListMIC (MS-NLMP 3.4.4, 3.4.5). No I/O.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/secret.h"
#include "common/ipc/auth_proto.h"
#include "smbd-auth/auth_env.h"
#include "smbd-auth/ntlmssp.h"

namespace cifsd::auth {

enum class Verdict { kOk, kGuest, kAnonymous, kLogonFailure, kInvalid };

struct AuthOutcome {
  Verdict verdict = Verdict::kInvalid;
  ipc::auth::Identity identity;
  bool has_session_key = false;
  crypto::SecretArray<16> session_key;  // ExportedSessionKey
};

class NtlmServer {
 public:
  explicit NtlmServer(const AuthEnv& env) : env_(env) {}

  // Leg 1. Returns false if `msg` is not a valid NEGOTIATE.
  bool negotiate(Bytes msg, std::vector<uint8_t>* challenge);
  // Leg 2. Must follow negotiate().
  AuthOutcome authenticate(Bytes msg);

  // mechListMIC support, valid after a kOk outcome with a session key: the
  // signature with extended session security (MS-NLMP 3.4.4.2) or, for
  // NTLMv1 without it, the CRC32 one (3.4.4.1).
  bool can_sign() const { return keys_ready_; }
  // Verifies the client's first signature (the mechListMIC) over `data`.
  bool verify_client_signature(Bytes data, Bytes signature) const;
  // Our first signature over `data`, answering the client's: sequence number
  // 0 with extended session security; without it, where one RC4 stream and
  // counter serve both directions, message 1 after the client's message 0.
  std::vector<uint8_t> server_signature(Bytes data) const;

  // The user name the AUTHENTICATE message carried (empty before it or if it
  // was malformed), whatever the verdict: the rate limiter keys failures by it.
  const std::string& attempted_user() const { return attempted_user_; }

  // For tests: a fixed server challenge instead of a random one.
  void set_challenge_for_test(const std::array<uint8_t, 8>& c) { fixed_challenge_ = c; }

 private:
  AuthOutcome guest_outcome(Verdict v, const char* why);
  AuthOutcome bad_password(const std::string& user);
  bool check_v1(const ntlmssp::Authenticate& a, bool ess, const PassdbEntry& entry,
                crypto::SecretArray<16>* key_exchange_key);
  bool check_v2(const ntlmssp::Authenticate& a, crypto::SecretArray<16>* session_base_key,
                const PassdbEntry& entry);
  void derive_keys(const crypto::SecretArray<16>& esk);
  std::vector<uint8_t> sign(Bytes data, bool server) const;

  const AuthEnv& env_;
  bool negotiated_ = false;
  bool done_ = false;
  uint32_t flags_ = 0;  // what CHALLENGE offered
  std::array<uint8_t, 8> challenge_{};
  std::optional<std::array<uint8_t, 8>> fixed_challenge_;
  std::vector<uint8_t> negotiate_msg_, challenge_msg_;
  uint32_t negotiated_flags_ = 0;
  std::string attempted_user_;
  bool keys_ready_ = false;
  crypto::SecretArray<16> client_sign_, client_seal_, server_sign_, server_seal_;
};

// MS-NLMP 3.3.2 helpers, exposed for tests.
bool ntlmv2_proof(Bytes ntowfv2, Bytes server_challenge, Bytes temp, uint8_t proof[16]);

}  // namespace cifsd::auth
