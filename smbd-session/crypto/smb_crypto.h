#pragma once
// The SMB2/SMB3 cryptographic primitives of the session engine, on OpenSSL
// EVP behind RAII wrappers: HMAC-SHA256, AES-128-CMAC and AES-128-GMAC for
// message signing (MS-SMB2 3.1.4.1), the SP800-108 counter-mode KDF with
// HMAC-SHA256 (MS-SMB2 3.1.4.2) and the SHA-512 preauth integrity chain
// (MS-SMB2 3.3.5.4 / 3.3.5.5). Keys never leave these functions except as the
// caller's own buffers, which the caller wipes.
#include <array>
#include <cstdint>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd::session::crypto {

enum class SignAlg : uint16_t { kHmacSha256 = 0, kAesCmac = 1, kAesGmac = 2 };

// One-shot MACs. Return false only if OpenSSL fails.
bool hmac_sha256(Bytes key, std::initializer_list<Bytes> parts, std::array<uint8_t, 32>* out);
bool aes_cmac(Bytes key, Bytes data, std::array<uint8_t, 16>* out);
// AES-GMAC = AES-GCM with the data as AAD and nothing to encrypt.
bool aes_gmac(Bytes key, Bytes nonce12, Bytes data, std::array<uint8_t, 16>* out);

// SP800-108 counter mode, PRF HMAC-SHA256, r = 32, one or two iterations.
// label and context are used as given (callers include the trailing NUL the
// spec's strings contain). out_bits is 128 or 256.
std::vector<uint8_t> kdf(Bytes key, Bytes label, Bytes context, uint32_t out_bits);

// preauth = SHA-512(preauth || message).
bool preauth_update(std::array<uint8_t, 64>* hash, Bytes message);

// Computes the 16-byte signature of an SMB2 message (header + body, one
// command of a compound) as if its Signature field were zero. The message is
// not modified.
bool compute_signature(SignAlg alg, Bytes key, Bytes msg, std::array<uint8_t, 16>* out);

// Sign in place: sets SMB2_FLAGS_SIGNED and writes the signature.
bool sign_message(SignAlg alg, Bytes key, MutBytes msg);
// Constant-time verification of a received message.
bool verify_message(SignAlg alg, Bytes key, Bytes msg);

// SMB3 encryption ciphers (MS-SMB2 2.2.3.1.2).
constexpr uint16_t kAes128Ccm = 1, kAes128Gcm = 2, kAes256Ccm = 3, kAes256Gcm = 4;
inline bool cipher_is_gcm(uint16_t c) { return c == kAes128Gcm || c == kAes256Gcm; }
inline size_t cipher_key_len(uint16_t c) { return c == kAes256Ccm || c == kAes256Gcm ? 32 : 16; }
// Nonce length used on the wire: 12 for GCM, 11 for CCM.
inline size_t cipher_nonce_len(uint16_t c) { return cipher_is_gcm(c) ? 12 : 11; }

// AEAD over `data` in place (in == out is supported by both modes).
bool aead_encrypt(uint16_t cipher, Bytes key, Bytes nonce, Bytes aad, MutBytes data,
                  std::array<uint8_t, 16>* tag);
// False if the tag does not match (the data is then garbage and must be dropped).
bool aead_decrypt(uint16_t cipher, Bytes key, Bytes nonce, Bytes aad, MutBytes data,
                  const uint8_t tag[16]);

}  // namespace cifsd::session::crypto
