#include "smbd-session/keys.h"

#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/negotiate.h"

namespace cifsd::session {
namespace {

// The spec's label and context strings include their terminating NUL.
template <size_t N>
Bytes lit(const char (&s)[N]) {
  return {reinterpret_cast<const uint8_t*>(s), N};
}

}  // namespace

bool derive_session_keys(const Connection& c, Session& s) {
  Bytes sk(s.session_key.data(), s.session_key.size());
  if (c.dialect < kSmb300) {
    s.signing_key.assign(sk.begin(), sk.end());
    s.dialect_signing_alg = uint16_t(crypto::SignAlg::kHmacSha256);
    return true;
  }
  uint32_t enc_bits = 128;
  if (c.dialect == kSmb311) {
    Bytes ctx(s.preauth_hash.data(), s.preauth_hash.size());
    // AES-256 ciphers take 256-bit keys (MS-SMB2 3.3.5.5.3).
    if (c.cipher == crypto::kAes256Ccm || c.cipher == crypto::kAes256Gcm) enc_bits = 256;
    s.signing_key = crypto::kdf(sk, lit("SMBSigningKey"), ctx, 128);
    s.application_key = crypto::kdf(sk, lit("SMBAppKey"), ctx, 128);
    s.encryption_key = crypto::kdf(sk, lit("SMBS2CCipherKey"), ctx, enc_bits);
    s.decryption_key = crypto::kdf(sk, lit("SMBC2SCipherKey"), ctx, enc_bits);
    s.dialect_signing_alg = c.signing_algorithm;
  } else {
    s.signing_key = crypto::kdf(sk, lit("SMB2AESCMAC"), lit("SmbSign"), 128);
    s.application_key = crypto::kdf(sk, lit("SMB2APP"), lit("SmbRpc"), 128);
    s.encryption_key = crypto::kdf(sk, lit("SMB2AESCCM"), lit("ServerOut"), 128);
    s.decryption_key = crypto::kdf(sk, lit("SMB2AESCCM"), lit("ServerIn "), 128);
    s.dialect_signing_alg = uint16_t(crypto::SignAlg::kAesCmac);
  }
  return s.signing_key.size() == 16 && s.application_key.size() == 16 &&
         s.encryption_key.size() == enc_bits / 8 && s.decryption_key.size() == enc_bits / 8;
}

}  // namespace cifsd::session
