#include "common/crypto/md5.h"

#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <string>

#include "common/crypto/md4.h"
#include "common/util/utf16.h"

namespace cifsd::crypto {

namespace {
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
}  // namespace

bool md5(std::initializer_list<Bytes> parts, uint8_t out[16]) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1) return false;
  for (Bytes p : parts)
    if (EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1) return false;
  unsigned int n = 0;
  return EVP_DigestFinal_ex(ctx.get(), out, &n) == 1 && n == 16;
}

bool hmac_md5(Bytes key, std::initializer_list<Bytes> parts, uint8_t out[16]) {
  // Fetched once: EVP_MAC_fetch is comparatively slow and the result is immutable.
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) return false;
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return false;
  char digest[] = "MD5";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                         OSSL_PARAM_construct_end()};
  static const uint8_t empty = 0;
  if (EVP_MAC_init(ctx.get(), key.empty() ? &empty : key.data(), key.size(), params) != 1)
    return false;
  for (Bytes p : parts)
    if (EVP_MAC_update(ctx.get(), p.data(), p.size()) != 1) return false;
  size_t n = 0;
  return EVP_MAC_final(ctx.get(), out, &n, 16) == 1 && n == 16;
}

Digest16 nt_hash(std::string_view password_utf8) {
  SecretBytes u(utf8_to_utf16le(password_utf8));
  Digest16 out;
  Md4 m;
  m.update(u.view());
  m.final(out.data());
  return out;
}

bool ntowf_v2(Bytes nthash, std::string_view user, std::string_view domain, uint8_t out[16]) {
  std::string s = ascii_upper(user);
  s.append(domain);
  std::vector<uint8_t> u = utf8_to_utf16le(s);
  bool ok = hmac_md5(nthash, {Bytes(u.data(), u.size())}, out);
  wipe(u);
  return ok;
}

}  // namespace cifsd::crypto
