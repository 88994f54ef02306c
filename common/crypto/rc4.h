#pragma once
// RC4 stream cipher, implemented here because OpenSSL 3 moved it to the legacy
// provider. NTLMSSP needs it for the key exchange (EncryptedRandomSessionKey)
// and for sealing the checksum of NTLMSSP signatures (SPNEGO mechListMIC).
#include <cstdint>

#include "common/wire/reader.h"

namespace cifsd::crypto {

class Rc4 {
 public:
  explicit Rc4(Bytes key);
  ~Rc4();
  Rc4(const Rc4&) = delete;
  Rc4& operator=(const Rc4&) = delete;
  // XORs the keystream into data in place; the stream continues across calls.
  void crypt(MutBytes data);
  void crypt(const uint8_t* in, uint8_t* out, size_t n);

 private:
  uint8_t s_[256];
  uint8_t i_ = 0, j_ = 0;
};

}  // namespace cifsd::crypto
