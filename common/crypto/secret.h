#pragma once
// Holders for secrets (password hashes, session keys, passwords): the bytes
// are OPENSSL_cleanse'd when the holder dies, so a key never outlives its use
// in freed heap or stack memory.
#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd::crypto {

inline void wipe(void* p, size_t n) {
  if (p && n) OPENSSL_cleanse(p, n);
}
inline void wipe(std::string& s) {
  wipe(s.data(), s.size());
  s.clear();
}
inline void wipe(std::vector<uint8_t>& v) {
  wipe(v.data(), v.size());
  v.clear();
}

// Fixed-size secret (keys, hashes) that wipes itself.
template <size_t N>
class SecretArray {
 public:
  SecretArray() { a_.fill(0); }
  ~SecretArray() { wipe(a_.data(), N); }
  SecretArray(const SecretArray& o) : a_(o.a_) {}
  SecretArray& operator=(const SecretArray& o) {
    a_ = o.a_;
    return *this;
  }
  uint8_t* data() { return a_.data(); }
  const uint8_t* data() const { return a_.data(); }
  static constexpr size_t size() { return N; }
  uint8_t& operator[](size_t i) { return a_[i]; }
  uint8_t operator[](size_t i) const { return a_[i]; }
  Bytes view() const { return {a_.data(), N}; }
  std::array<uint8_t, N>& array() { return a_; }
  const std::array<uint8_t, N>& array() const { return a_; }

 private:
  std::array<uint8_t, N> a_;
};

// Variable-size secret buffer that wipes itself (e.g. a typed password or
// its UTF-16LE form).
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::vector<uint8_t> v) : v_(std::move(v)) {}
  ~SecretBytes() { wipe(v_); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : v_(std::move(o.v_)) { o.v_.clear(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) { wipe(v_); v_ = std::move(o.v_); o.v_.clear(); }
    return *this;
  }
  std::vector<uint8_t>& vec() { return v_; }
  Bytes view() const { return {v_.data(), v_.size()}; }
  size_t size() const { return v_.size(); }

 private:
  std::vector<uint8_t> v_;
};

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  ~SecretString() { wipe(s_); }
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  std::string& str() { return s_; }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// Constant-time equality for MACs and proofs.
inline bool equal_ct(Bytes a, Bytes b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cifsd::crypto
