#include "common/crypto/rc4.h"

#include <utility>

#include "common/crypto/secret.h"

namespace cifsd::crypto {

Rc4::Rc4(Bytes key) {
  for (int i = 0; i < 256; i++) s_[i] = uint8_t(i);
  if (key.empty()) return;  // degenerate; callers always pass 16 bytes
  uint8_t j = 0;
  for (int i = 0; i < 256; i++) {
    j = uint8_t(j + s_[i] + key[size_t(i) % key.size()]);
    std::swap(s_[i], s_[j]);
  }
}

Rc4::~Rc4() {
  wipe(s_, sizeof(s_));
  i_ = j_ = 0;
}

void Rc4::crypt(const uint8_t* in, uint8_t* out, size_t n) {
  for (size_t k = 0; k < n; k++) {
    i_ = uint8_t(i_ + 1);
    j_ = uint8_t(j_ + s_[i_]);
    std::swap(s_[i_], s_[j_]);
    out[k] = in[k] ^ s_[uint8_t(s_[i_] + s_[j_])];
  }
}

void Rc4::crypt(MutBytes data) { crypt(data.data(), data.data(), data.size()); }

}  // namespace cifsd::crypto
