#pragma once
// MD4 (RFC 1320), implemented here because OpenSSL 3's default provider no
// longer offers it and NTLM's NT hash is defined with it. Used only to hash
// passwords into the NT one-way function, never as a general-purpose digest.
#include <array>
#include <cstdint>

#include "common/wire/reader.h"

namespace cifsd::crypto {

class Md4 {
 public:
  Md4();
  ~Md4();
  Md4(const Md4&) = delete;
  Md4& operator=(const Md4&) = delete;
  void update(Bytes data);
  void final(uint8_t out[16]);

 private:
  void block(const uint8_t b[64]);
  uint32_t s_[4];
  uint64_t len_ = 0;
  uint8_t buf_[64];
  size_t used_ = 0;
};

std::array<uint8_t, 16> md4(Bytes data);

}  // namespace cifsd::crypto
