#pragma once
// Minimal bounded DER reader and writer: just what SPNEGO (RFC 4178) needs.
// Only single-byte tags and definite lengths up to 2^24 are accepted; every
// element must fit inside its parent, so a hostile length cannot reach past
// the buffer, and nesting depth is bounded by the fixed grammar the callers
// walk (no recursion on input-controlled depth).
#include <cstdint>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd::der {

// Tag bytes used by SPNEGO.
constexpr uint8_t kSequence = 0x30;
constexpr uint8_t kOid = 0x06;
constexpr uint8_t kOctetString = 0x04;
constexpr uint8_t kEnumerated = 0x0a;
constexpr uint8_t kBitString = 0x03;
constexpr uint8_t kGeneralString = 0x1b;
constexpr uint8_t kApplication0 = 0x60;  // [APPLICATION 0] constructed
constexpr uint8_t context(int n) { return uint8_t(0xa0 | n); }  // [n] constructed

class Reader {
 public:
  explicit Reader(Bytes b) : r_(b) {}
  bool ok() const { return r_.ok(); }
  bool at_end() const { return r_.at_end(); }
  void fail() { r_.fail(); }
  // Peeks the next tag without consuming (0 at end or on failure).
  uint8_t peek_tag() const;
  // Reads one element whose tag must equal `tag`; returns its contents.
  Bytes expect(uint8_t tag);
  // Reads one element whose tag must equal `tag`; returns the whole encoding
  // (tag, length and contents), e.g. to MAC the exact bytes the peer sent.
  Bytes expect_raw(uint8_t tag, Bytes* contents);
  // Reads any element; *tag gets its tag.
  Bytes any(uint8_t* tag);

 private:
  Bytes element(uint8_t* tag, size_t* header);
  ByteReader r_;
};

// Appends tag + length + contents.
void put(std::vector<uint8_t>& out, uint8_t tag, Bytes contents);
std::vector<uint8_t> wrap(uint8_t tag, Bytes contents);

}  // namespace cifsd::der
