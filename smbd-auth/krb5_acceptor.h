#pragma once
// The acceptor side of one Kerberos (RFC 4121) context: takes the krb5
// mechToken a client put in SPNEGO (an AP-REQ in a GSS InitialContextToken),
// yields the AP-REP, the client principal, the SMB session key and the
// ticket's remaining lifetime, and makes/checks the SPNEGO mechListMIC.
// An interface, so AuthContext is testable without a KDC; the real one
// (krb5_gss.cc) uses MIT GSS-API with the krb5 mechanism directly — never
// GSS's own SPNEGO: spnego.cc stays the one SPNEGO parser.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto/secret.h"
#include "common/wire/reader.h"

namespace cifsd::auth {

struct Krb5Result {
  enum class Status { kComplete, kContinue, kFailed };
  Status status = Status::kFailed;
  std::vector<uint8_t> out_token;  // AP-REP (or KRB-ERROR) for the client, may be empty
  std::string principal;           // "user@REALM" (kComplete)
  bool has_session_key = false;
  // MS-SMB2 3.3.5.5.3: Session.SessionKey is the first 16 bytes of the GSS
  // session key (the acceptor subkey, else the initiator's, else the
  // ticket's; MS-KILE 3.1.1.2), right-padded with zeros if shorter.
  crypto::SecretArray<16> session_key;
  uint32_t lifetime_s = 0;  // seconds until the ticket ends; 0: not bounded
};

class Krb5Acceptor {
 public:
  virtual ~Krb5Acceptor() = default;
  virtual Krb5Result accept(Bytes token) = 0;
  // mechListMIC over the DER MechTypeList (valid after kComplete).
  virtual bool verify_mic(Bytes data, Bytes mic) = 0;
  virtual std::vector<uint8_t> make_mic(Bytes data) = 0;
};

// Creates acceptors; AuthEnv holds one (tests substitute a fake).
using Krb5Factory = std::function<std::unique_ptr<Krb5Acceptor>(const std::string& keytab)>;

// Whether this build has Kerberos (configure found MIT GSS-API).
bool kerberos_built();
// The MIT GSS-API acceptor reading `keytab`; nullptr without Kerberos.
std::unique_ptr<Krb5Acceptor> make_gss_acceptor(const std::string& keytab);
// Whether acceptor credentials can be had from `keytab` (reads it); *why
// gets the reason when not.
bool kerberos_keytab_usable(const std::string& keytab, std::string* why);

}  // namespace cifsd::auth
