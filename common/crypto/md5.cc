#include "common/crypto/md5.h"

#include <openssl/evp.h>
#include <openssl/params.h>
#include <locale.h>
#include <wctype.h>

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

namespace {
// Unicode upper-casing of one UTF-16 code unit, as Windows applies to the user
// name in NTOWFv2. glibc's built-in C.UTF-8 locale has the full tables; if it
// is missing, ASCII upper-casing is the fallback.
uint16_t upcase_unit(uint16_t u) {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(0));
  if (u < 0x80) return (u >= 'a' && u <= 'z') ? uint16_t(u - 32) : u;
  if (!loc || (u >= 0xd800 && u <= 0xdfff)) return u;
  wint_t w = towupper_l(wint_t(u), loc);
  return w <= 0xffff ? uint16_t(w) : u;
}
}  // namespace

bool ntowf_v2(Bytes nthash, std::string_view user, std::string_view domain, uint8_t out[16]) {
  std::vector<uint8_t> u = utf8_to_utf16le(user);
  for (size_t i = 0; i + 1 < u.size(); i += 2) {
    uint16_t c = upcase_unit(uint16_t(u[i] | u[i + 1] << 8));
    u[i] = uint8_t(c);
    u[i + 1] = uint8_t(c >> 8);
  }
  std::vector<uint8_t> d = utf8_to_utf16le(domain);
  bool ok = hmac_md5(nthash, {Bytes(u.data(), u.size()), Bytes(d.data(), d.size())}, out);
  wipe(u);
  return ok;
}

}  // namespace cifsd::crypto
