#include "smbd-auth/der.h"

namespace cifsd::der {

Bytes Reader::element(uint8_t* tag, size_t* header) {
  size_t start = r_.pos();
  uint8_t t = r_.u8();
  // High-tag-number form (low 5 bits all set) never occurs in SPNEGO.
  if ((t & 0x1f) == 0x1f) r_.fail();
  uint8_t l = r_.u8();
  size_t len = l;
  if (l & 0x80) {
    size_t n = l & 0x7f;
    // n == 0 is the indefinite form, not DER; more than 3 length bytes would
    // describe more than 16 MiB, far beyond any token we accept.
    if (n == 0 || n > 3) { r_.fail(); return {}; }
    len = 0;
    for (size_t i = 0; i < n; i++) len = len << 8 | r_.u8();
  }
  if (!r_.ok()) return {};
  *tag = t;
  *header = r_.pos() - start;
  return r_.bytes(len);  // fails if len exceeds what is left
}

uint8_t Reader::peek_tag() const {
  if (!r_.ok() || r_.at_end()) return 0;
  return r_.whole()[r_.pos()];
}

Bytes Reader::expect(uint8_t tag) {
  uint8_t t = 0;
  size_t h = 0;
  Bytes c = element(&t, &h);
  if (!r_.ok() || t != tag) { r_.fail(); return {}; }
  return c;
}

Bytes Reader::expect_raw(uint8_t tag, Bytes* contents) {
  size_t start = r_.pos();
  Bytes c = expect(tag);
  if (!r_.ok()) return {};
  if (contents) *contents = c;
  return r_.whole().subspan(start, r_.pos() - start);
}

Bytes Reader::any(uint8_t* tag) {
  size_t h = 0;
  return element(tag, &h);
}

void put(std::vector<uint8_t>& out, uint8_t tag, Bytes contents) {
  out.push_back(tag);
  size_t n = contents.size();
  if (n < 0x80) {
    out.push_back(uint8_t(n));
  } else if (n < 0x100) {
    out.push_back(0x81);
    out.push_back(uint8_t(n));
  } else if (n < 0x10000) {
    out.push_back(0x82);
    out.push_back(uint8_t(n >> 8));
    out.push_back(uint8_t(n));
  } else {
    out.push_back(0x83);
    out.push_back(uint8_t(n >> 16));
    out.push_back(uint8_t(n >> 8));
    out.push_back(uint8_t(n));
  }
  out.insert(out.end(), contents.begin(), contents.end());
}

std::vector<uint8_t> wrap(uint8_t tag, Bytes contents) {
  std::vector<uint8_t> out;
  put(out, tag, contents);
  return out;
}

}  // namespace cifsd::der
