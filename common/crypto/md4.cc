#include "common/crypto/md4.h"

#include <cstring>

#include "common/crypto/secret.h"

namespace cifsd::crypto {

namespace {
inline uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
inline uint32_t F(uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (~x & z); }
inline uint32_t G(uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (x & z) | (y & z); }
inline uint32_t H(uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; }
}  // namespace

Md4::Md4() : s_{0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u}, buf_{} {}

Md4::~Md4() {
  wipe(s_, sizeof(s_));
  wipe(buf_, sizeof(buf_));
}

void Md4::block(const uint8_t b[64]) {
  uint32_t x[16];
  for (int i = 0; i < 16; i++)
    x[i] = uint32_t(b[4 * i]) | uint32_t(b[4 * i + 1]) << 8 | uint32_t(b[4 * i + 2]) << 16 |
           uint32_t(b[4 * i + 3]) << 24;
  uint32_t a = s_[0], bb = s_[1], c = s_[2], d = s_[3];
  // Round 1: word order 0..15, shifts 3 7 11 19.
  static const int r1[4] = {3, 7, 11, 19};
  for (int i = 0; i < 16; i++) {
    uint32_t t = a + F(bb, c, d) + x[i];
    t = rol(t, r1[i % 4]);
    a = d; d = c; c = bb; bb = t;
  }
  // Round 2: columns 0,4,8,12,1,5,..., constant 0x5A827999, shifts 3 5 9 13.
  static const int o2[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
  static const int r2[4] = {3, 5, 9, 13};
  for (int i = 0; i < 16; i++) {
    uint32_t t = a + G(bb, c, d) + x[o2[i]] + 0x5A827999u;
    t = rol(t, r2[i % 4]);
    a = d; d = c; c = bb; bb = t;
  }
  // Round 3: bit-reversed order, constant 0x6ED9EBA1, shifts 3 9 11 15.
  static const int o3[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
  static const int r3[4] = {3, 9, 11, 15};
  for (int i = 0; i < 16; i++) {
    uint32_t t = a + H(bb, c, d) + x[o3[i]] + 0x6ED9EBA1u;
    t = rol(t, r3[i % 4]);
    a = d; d = c; c = bb; bb = t;
  }
  s_[0] += a; s_[1] += bb; s_[2] += c; s_[3] += d;
  wipe(x, sizeof(x));
}

void Md4::update(Bytes data) {
  len_ += data.size();
  size_t i = 0;
  if (used_) {
    size_t n = std::min(data.size(), 64 - used_);
    std::memcpy(buf_ + used_, data.data(), n);
    used_ += n;
    i = n;
    if (used_ < 64) return;
    block(buf_);
    used_ = 0;
  }
  for (; i + 64 <= data.size(); i += 64) block(data.data() + i);
  if (i < data.size()) {
    used_ = data.size() - i;
    std::memcpy(buf_, data.data() + i, used_);
  }
}

void Md4::final(uint8_t out[16]) {
  uint64_t bits = len_ * 8;
  uint8_t pad[72] = {0x80};
  size_t padlen = (used_ < 56) ? 56 - used_ : 120 - used_;
  update({pad, padlen});
  uint8_t l[8];
  for (int i = 0; i < 8; i++) l[i] = uint8_t(bits >> (8 * i));
  update({l, 8});
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) out[4 * i + j] = uint8_t(s_[i] >> (8 * j));
}

std::array<uint8_t, 16> md4(Bytes data) {
  Md4 m;
  m.update(data);
  std::array<uint8_t, 16> out;
  m.final(out.data());
  return out;
}

}  // namespace cifsd::crypto
