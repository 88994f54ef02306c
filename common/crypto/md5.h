#pragma once
// MD5 and HMAC-MD5 through OpenSSL's EVP interface (both are in the default
// provider), plus the NTLM one-way functions built on them.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "common/crypto/secret.h"
#include "common/wire/reader.h"

namespace cifsd::crypto {

using Digest16 = SecretArray<16>;

// MD5 over the concatenation of parts. Returns false only if OpenSSL fails.
bool md5(std::initializer_list<Bytes> parts, uint8_t out[16]);
// HMAC-MD5(key, concatenation of parts).
bool hmac_md5(Bytes key, std::initializer_list<Bytes> parts, uint8_t out[16]);

// NT hash: MD4 of the UTF-16LE password (MS-NLMP NTOWFv1).
Digest16 nt_hash(std::string_view password_utf8);
// NTOWFv2 = HMAC_MD5(NT hash, UTF16LE(UPPER(user) + domain)) (MS-NLMP 3.3.2).
// User is upper-cased (Unicode, BMP); domain is used as given.
bool ntowf_v2(Bytes nthash, std::string_view user, std::string_view domain, uint8_t out[16]);

}  // namespace cifsd::crypto
