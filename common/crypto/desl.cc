#include "common/crypto/desl.h"

#include <cstring>

#include "common/crypto/des.h"
#include "common/crypto/secret.h"

namespace cifsd::crypto {

bool desl(Bytes key, Bytes data, uint8_t out[24]) {
  if (key.size() != 16 || data.size() != 8) return false;
  // K[0..6], K[7..13], K[14..15] || Z(5).
  uint8_t parts[3][7] = {};
  std::memcpy(parts[0], key.data(), 7);
  std::memcpy(parts[1], key.data() + 7, 7);
  std::memcpy(parts[2], key.data() + 14, 2);
  uint8_t k8[8];
  for (int i = 0; i < 3; i++) {
    des_expand_key56(parts[i], k8);
    des_encrypt_block(k8, data.data(), out + 8 * i);
  }
  wipe(parts, sizeof(parts));
  wipe(k8, sizeof(k8));
  return true;
}

}  // namespace cifsd::crypto
