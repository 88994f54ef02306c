#pragma once
// SPNEGO (RFC 4178, MS-SPNG) tokens as exchanged in SMB2 security buffers.
// The parser is a fixed walk over the grammar with the bounded DER reader;
// The mechanisms we select are NTLMSSP (1.3.6.1.4.1.311.2.2.10) and, when
// Kerberos is configured, krb5 (RFC 4121 and Microsoft's variant OID).
#include <cstdint>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd::spnego {

// DER contents (no tag/length) of the OIDs we use.
extern const std::vector<uint8_t> kOidSpnego;   // 1.3.6.1.5.5.2
extern const std::vector<uint8_t> kOidNtlmssp;  // 1.3.6.1.4.1.311.2.2.10
extern const std::vector<uint8_t> kOidKrb5;     // 1.2.840.113554.1.2.2
extern const std::vector<uint8_t> kOidMsKrb5;   // 1.2.840.48018.1.2.2 (MS-KILE)

enum class NegState : int { kNone = -1, kAcceptCompleted = 0, kAcceptIncomplete = 1, kReject = 2,
                            kRequestMic = 3 };

struct NegTokenInit {
  std::vector<std::vector<uint8_t>> mech_types;  // OID contents, in the client's order
  std::vector<uint8_t> mech_types_der;           // the exact MechTypeList bytes (for the MIC)
  bool has_mech_token = false;
  std::vector<uint8_t> mech_token;
  bool has_mic = false;
  std::vector<uint8_t> mech_list_mic;
};

struct NegTokenResp {
  NegState neg_state = NegState::kNone;
  std::vector<uint8_t> supported_mech;  // OID contents; empty if absent
  bool has_response_token = false;
  std::vector<uint8_t> response_token;
  bool has_mic = false;
  std::vector<uint8_t> mech_list_mic;
};

enum class TokenKind { kInvalid, kInit, kResp, kRawNtlmssp };

struct ClientToken {
  TokenKind kind = TokenKind::kInvalid;
  NegTokenInit init;   // kInit
  NegTokenResp resp;   // kResp
};

// Classifies and parses a client's security blob: an InitialContextToken with
// a NegTokenInit, a bare NegTokenResp, or a raw NTLMSSP message ("NTLMSSP\0").
// Returns kInvalid on anything malformed.
ClientToken parse_client_token(Bytes blob);
bool parse_neg_token_init(Bytes blob, NegTokenInit* out);   // 0x60-wrapped
bool parse_neg_token_resp(Bytes blob, NegTokenResp* out);   // 0xa1-wrapped

// The NegTokenInit2 a server puts in its NEGOTIATE response: NTLMSSP, and
// before it both krb5 OIDs when `kerberos` (the order Windows servers use).
std::vector<uint8_t> build_server_init(bool kerberos = false);

enum class Mech { kNone, kNtlmssp, kKrb5 };
struct MechChoice {
  Mech mech = Mech::kNone;
  std::vector<uint8_t> oid;  // the OID as the client listed it (echoed in supportedMech)
  bool preferred = false;    // it is the client's first mechanism
};
// Picks the mechanism for a client's MechTypeList: krb5 when it is the
// client's preferred (first) mechanism and `kerberos` is on; otherwise
// NTLMSSP if listed; otherwise krb5 anywhere in the list (if on); else none.
MechChoice choose_mech(const std::vector<std::vector<uint8_t>>& client_mechs, bool kerberos);
bool is_krb5_oid(const std::vector<uint8_t>& oid);
// A NegTokenResp (0xa1-wrapped); absent optional fields are omitted.
std::vector<uint8_t> build_neg_token_resp(const NegTokenResp& r);
// A client's NegTokenInit (used by tests and fuzz seeds).
std::vector<uint8_t> build_client_init(const std::vector<std::vector<uint8_t>>& mechs,
                                       Bytes mech_token);

}  // namespace cifsd::spnego
