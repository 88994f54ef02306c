#include "smbd-session/crypto/smb_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>

#include "smbd-session/smb2_types.h"

namespace cifsd::session::crypto {
namespace {

struct MacDeleter { void operator()(EVP_MAC* m) const { EVP_MAC_free(m); } };
struct MacCtxDeleter { void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); } };
struct CipherCtxDeleter { void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); } };
struct MdCtxDeleter { void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); } };
using MacPtr = std::unique_ptr<EVP_MAC, MacDeleter>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// The MAC algorithms are fetched once per process: fetching is the costly part.
EVP_MAC* fetch_mac(const char* name) {
  static MacPtr hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  static MacPtr cmac(EVP_MAC_fetch(nullptr, "CMAC", nullptr));
  return std::strcmp(name, "HMAC") == 0 ? hmac.get() : cmac.get();
}

MacCtxPtr hmac_ctx(Bytes key) {
  EVP_MAC* mac = fetch_mac("HMAC");
  if (!mac) return nullptr;
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return nullptr;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) return nullptr;
  return ctx;
}

MacCtxPtr cmac_ctx(Bytes key) {
  if (key.size() != 16) return nullptr;
  EVP_MAC* mac = fetch_mac("CMAC");
  if (!mac) return nullptr;
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return nullptr;
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) return nullptr;
  return ctx;
}

bool mac_update(EVP_MAC_CTX* ctx, Bytes b) {
  return b.empty() || EVP_MAC_update(ctx, b.data(), b.size()) == 1;
}

bool mac_final(EVP_MAC_CTX* ctx, uint8_t* out, size_t want) {
  uint8_t buf[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (EVP_MAC_final(ctx, buf, &n, sizeof(buf)) != 1 || n < want) return false;
  std::memcpy(out, buf, want);
  OPENSSL_cleanse(buf, sizeof(buf));
  return true;
}

constexpr size_t kSigOffset = 48;
const uint8_t kZeroSig[16] = {};

}  // namespace

bool hmac_sha256(Bytes key, std::initializer_list<Bytes> parts, std::array<uint8_t, 32>* out) {
  MacCtxPtr ctx = hmac_ctx(key);
  if (!ctx) return false;
  for (Bytes p : parts)
    if (!mac_update(ctx.get(), p)) return false;
  return mac_final(ctx.get(), out->data(), 32);
}

bool aes_cmac(Bytes key, Bytes data, std::array<uint8_t, 16>* out) {
  MacCtxPtr ctx = cmac_ctx(key);
  if (!ctx || !mac_update(ctx.get(), data)) return false;
  return mac_final(ctx.get(), out->data(), 16);
}

namespace {
bool gmac_parts(Bytes key, Bytes nonce, std::initializer_list<Bytes> parts, uint8_t* tag) {
  if (key.size() != 16 || nonce.size() != 12) return false;
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return false;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()) != 1)
    return false;
  int n = 0;
  for (Bytes p : parts) {
    // OpenSSL takes AAD lengths as int: feed large buffers in pieces.
    while (!p.empty()) {
      size_t chunk = p.size() > (1u << 30) ? (1u << 30) : p.size();
      if (EVP_EncryptUpdate(ctx.get(), nullptr, &n, p.data(), int(chunk)) != 1) return false;
      p = p.subspan(chunk);
    }
  }
  uint8_t dummy[16];
  if (EVP_EncryptFinal_ex(ctx.get(), dummy, &n) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
}
}  // namespace

bool aes_gmac(Bytes key, Bytes nonce12, Bytes data, std::array<uint8_t, 16>* out) {
  return gmac_parts(key, nonce12, {data}, out->data());
}

std::vector<uint8_t> kdf(Bytes key, Bytes label, Bytes context, uint32_t out_bits) {
  std::vector<uint8_t> out;
  const uint8_t zero = 0;
  const uint8_t L[4] = {uint8_t(out_bits >> 24), uint8_t(out_bits >> 16), uint8_t(out_bits >> 8),
                        uint8_t(out_bits)};
  for (uint32_t i = 1; out.size() * 8 < out_bits; i++) {
    const uint8_t ctr[4] = {uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    std::array<uint8_t, 32> block{};
    if (!hmac_sha256(key, {Bytes(ctr, 4), label, Bytes(&zero, 1), context, Bytes(L, 4)}, &block))
      return {};
    out.insert(out.end(), block.begin(), block.end());
    OPENSSL_cleanse(block.data(), block.size());
  }
  if (out.size() * 8 > out_bits) {
    OPENSSL_cleanse(out.data() + out_bits / 8, out.size() - out_bits / 8);
    out.resize(out_bits / 8);
  }
  return out;
}

bool preauth_update(std::array<uint8_t, 64>* hash, Bytes message) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  unsigned n = 0;
  return EVP_DigestInit_ex(ctx.get(), EVP_sha512(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), hash->data(), hash->size()) == 1 &&
         (message.empty() || EVP_DigestUpdate(ctx.get(), message.data(), message.size()) == 1) &&
         EVP_DigestFinal_ex(ctx.get(), hash->data(), &n) == 1 && n == 64;
}

bool compute_signature(SignAlg alg, Bytes key, Bytes msg, std::array<uint8_t, 16>* out) {
  if (msg.size() < smb2::kHeaderSize) return false;
  // The signature is computed with the Signature field zeroed; feeding the
  // three pieces avoids copying the (up to 8 MiB) message.
  Bytes before = msg.subspan(0, kSigOffset);
  Bytes zero(kZeroSig, 16);
  Bytes after = msg.subspan(kSigOffset + 16);
  switch (alg) {
    case SignAlg::kHmacSha256: {
      MacCtxPtr ctx = hmac_ctx(key);
      if (!ctx || !mac_update(ctx.get(), before) || !mac_update(ctx.get(), zero) ||
          !mac_update(ctx.get(), after))
        return false;
      return mac_final(ctx.get(), out->data(), 16);
    }
    case SignAlg::kAesCmac: {
      MacCtxPtr ctx = cmac_ctx(key);
      if (!ctx || !mac_update(ctx.get(), before) || !mac_update(ctx.get(), zero) ||
          !mac_update(ctx.get(), after))
        return false;
      return mac_final(ctx.get(), out->data(), 16);
    }
    case SignAlg::kAesGmac: {
      // Nonce (MS-SMB2 3.1.4.1): MessageId, then a 32-bit field whose bit 0
      // says "sent by the server" and bit 1 "this is a CANCEL request".
      ByteReader r(msg);
      r.skip(12);
      uint16_t command = r.u16();
      r.skip(2);
      uint32_t flags = r.u32();
      r.skip(4);
      uint64_t mid = r.u64();
      uint8_t nonce[12];
      for (int i = 0; i < 8; i++) nonce[i] = uint8_t(mid >> (8 * i));
      uint32_t role = 0;
      if (flags & smb2::kFlagResponse) role |= 1;
      if (command == smb2::kCancel && !(flags & smb2::kFlagResponse)) role |= 2;
      for (int i = 0; i < 4; i++) nonce[8 + i] = uint8_t(role >> (8 * i));
      return gmac_parts(key, Bytes(nonce, 12), {before, zero, after}, out->data());
    }
  }
  return false;
}

bool sign_message(SignAlg alg, Bytes key, MutBytes msg) {
  if (msg.size() < smb2::kHeaderSize) return false;
  uint32_t flags = uint32_t(msg[16]) | uint32_t(msg[17]) << 8 | uint32_t(msg[18]) << 16 |
                   uint32_t(msg[19]) << 24;
  flags |= smb2::kFlagSigned;
  for (int i = 0; i < 4; i++) msg[16 + i] = uint8_t(flags >> (8 * i));
  std::array<uint8_t, 16> sig{};
  if (!compute_signature(alg, key, msg, &sig)) return false;
  std::memcpy(msg.data() + kSigOffset, sig.data(), 16);
  return true;
}

bool verify_message(SignAlg alg, Bytes key, Bytes msg) {
  std::array<uint8_t, 16> sig{};
  if (!compute_signature(alg, key, msg, &sig)) return false;
  return CRYPTO_memcmp(sig.data(), msg.data() + kSigOffset, 16) == 0;
}

namespace {
const EVP_CIPHER* aead_cipher(uint16_t c) {
  switch (c) {
    case kAes128Ccm: return EVP_aes_128_ccm();
    case kAes128Gcm: return EVP_aes_128_gcm();
    case kAes256Ccm: return EVP_aes_256_ccm();
    case kAes256Gcm: return EVP_aes_256_gcm();
    default: return nullptr;
  }
}

// Shared set-up: cipher, nonce length, (CCM) tag length and total length.
bool aead_init(EVP_CIPHER_CTX* ctx, bool enc, uint16_t cipher, Bytes key, Bytes nonce,
               size_t len, const uint8_t* tag) {
  const EVP_CIPHER* ev = aead_cipher(cipher);
  if (!ev || key.size() != cipher_key_len(cipher) || nonce.size() != cipher_nonce_len(cipher) ||
      len > size_t(INT32_MAX))
    return false;
  bool gcm = cipher_is_gcm(cipher);
  if (EVP_CipherInit_ex(ctx, ev, nullptr, nullptr, nullptr, enc) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx, gcm ? EVP_CTRL_GCM_SET_IVLEN : EVP_CTRL_CCM_SET_IVLEN,
                          int(nonce.size()), nullptr) != 1)
    return false;
  if (!gcm && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_CCM_SET_TAG, 16,
                                  enc ? nullptr : const_cast<uint8_t*>(tag)) != 1)
    return false;
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data(), enc) != 1) return false;
  int n = 0;
  // CCM needs the total length before any AAD.
  if (!gcm && EVP_CipherUpdate(ctx, nullptr, &n, nullptr, int(len)) != 1) return false;
  return true;
}
}  // namespace

bool aead_encrypt(uint16_t cipher, Bytes key, Bytes nonce, Bytes aad, MutBytes data,
                  std::array<uint8_t, 16>* tag) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || !aead_init(ctx.get(), true, cipher, key, nonce, data.size(), nullptr)) return false;
  int n = 0;
  if (EVP_CipherUpdate(ctx.get(), nullptr, &n, aad.data(), int(aad.size())) != 1) return false;
  if (!data.empty() && EVP_CipherUpdate(ctx.get(), data.data(), &n, data.data(), int(data.size())) != 1)
    return false;
  uint8_t fin[16];
  if (EVP_CipherFinal_ex(ctx.get(), fin, &n) != 1) return false;
  int ctrl = cipher_is_gcm(cipher) ? EVP_CTRL_GCM_GET_TAG : EVP_CTRL_CCM_GET_TAG;
  return EVP_CIPHER_CTX_ctrl(ctx.get(), ctrl, 16, tag->data()) == 1;
}

bool aead_decrypt(uint16_t cipher, Bytes key, Bytes nonce, Bytes aad, MutBytes data,
                  const uint8_t tag[16]) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || !aead_init(ctx.get(), false, cipher, key, nonce, data.size(), tag)) return false;
  int n = 0;
  if (EVP_CipherUpdate(ctx.get(), nullptr, &n, aad.data(), int(aad.size())) != 1) return false;
  bool gcm = cipher_is_gcm(cipher);
  // For CCM the tag is checked by this update; for GCM by the final call.
  if ((!data.empty() || !gcm) &&
      EVP_CipherUpdate(ctx.get(), data.data(), &n, data.data(), int(data.size())) != 1)
    return false;
  if (!gcm) return true;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t*>(tag)) != 1)
    return false;
  uint8_t fin[16];
  return EVP_CipherFinal_ex(ctx.get(), fin, &n) == 1;
}

}  // namespace cifsd::session::crypto
