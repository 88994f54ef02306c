// ByteReader / ByteWriter (bounds, sticky failure, wrap-safe ranges) and the
// UTF-16LE <-> UTF-8 conversions every name on the wire goes through.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/util/utf16.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"

// cmocka last: it defines fail() and skip() as macros, which clash with
// ByteReader members; the tests never call cmocka's skip().
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}
#undef skip

using namespace cifsd;

namespace {

void test_writer_reader_roundtrip(void**) {
  ByteWriter w;
  w.u8(0xAB);
  w.u16(0x1234);
  w.u32(0xDEADBEEF);
  w.u64(0x0102030405060708ull);
  w.be16(0x1234);
  w.be32(0xCAFEBABE);
  w.str("hi");
  w.zeros(3);
  assert_int_equal(w.size(), 1 + 2 + 4 + 8 + 2 + 4 + 2 + 3);
  // Little-endian layout on the wire.
  assert_int_equal(w.view()[1], 0x34);
  assert_int_equal(w.view()[2], 0x12);
  assert_int_equal(w.view()[15], 0x12);  // be16 high byte first
  ByteReader r(w.view());
  assert_int_equal(r.u8(), 0xAB);
  assert_int_equal(r.u16(), 0x1234);
  assert_int_equal(r.u32(), 0xDEADBEEF);
  assert_true(r.u64() == 0x0102030405060708ull);
  assert_int_equal(r.be16(), 0x1234);
  assert_int_equal(r.be32(), 0xCAFEBABE);
  Bytes s = r.bytes(2);
  assert_int_equal(s.size(), 2);
  assert_memory_equal(s.data(), "hi", 2);
  assert_int_equal(r.remaining(), 3);
  r.skip(3);
  assert_true(r.at_end());
  assert_true(r.ok());
}

void test_overrun_is_sticky(void**) {
  const uint8_t buf[5] = {1, 2, 3, 4, 5};
  ByteReader r(Bytes(buf, 5));
  assert_int_equal(r.u32(), 0x04030201);
  assert_int_equal(r.u16(), 0);  // only one byte left: fails, returns zero
  assert_false(r.ok());
  assert_int_equal(r.u8(), 0);   // the one remaining byte is not handed out after failure
  assert_false(r.ok());
  assert_int_equal(r.remaining(), 0);
  assert_false(r.at_end());
  assert_true(r.bytes(0).empty());
  assert_true(r.rest().empty());

  ByteReader r2(Bytes(buf, 5));
  Bytes b = r2.bytes(6);
  assert_true(b.empty());
  assert_false(r2.ok());

  ByteReader r3(Bytes(buf, 5));
  uint8_t dst[8];
  std::memset(dst, 0x77, sizeof dst);
  r3.copy(dst, 8);  // fails and zero-fills
  assert_false(r3.ok());
  for (uint8_t c : dst) assert_int_equal(c, 0);

  ByteReader r4(Bytes(buf, 5));
  r4.seek(5);
  assert_true(r4.ok());
  assert_true(r4.at_end());
  r4.seek(6);
  assert_false(r4.ok());

  ByteReader r5(Bytes(buf, 5));
  r5.skip(SIZE_MAX);  // a huge skip must not wrap
  assert_false(r5.ok());

  ByteReader r6(Bytes(buf, 5));
  r6.u8();
  r6.align(8);  // 7 bytes needed, 4 left
  assert_false(r6.ok());

  ByteReader empty;
  assert_int_equal(empty.u64(), 0);
  assert_false(empty.ok());
}

void test_range_wrap_checks(void**) {
  uint8_t buf[16];
  for (int i = 0; i < 16; i++) buf[i] = uint8_t(i);
  Bytes whole(buf, 16);
  Bytes out;
  assert_true(ByteReader::range(whole, 0, 16, &out));
  assert_int_equal(out.size(), 16);
  assert_true(ByteReader::range(whole, 4, 4, &out));
  assert_int_equal(out[0], 4);
  assert_int_equal(out.size(), 4);
  assert_true(ByteReader::range(whole, 16, 0, &out));  // empty at the very end
  assert_int_equal(out.size(), 0);
  assert_false(ByteReader::range(whole, 17, 0, &out));
  assert_false(ByteReader::range(whole, 8, 9, &out));
  assert_false(ByteReader::range(whole, 1, 16, &out));
  // Offset + length overflowing 64 bits must not wrap into the buffer.
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  assert_false(ByteReader::range(whole, 8, max, &out));
  assert_false(ByteReader::range(whole, max, 8, &out));
  assert_false(ByteReader::range(whole, max, max, &out));
  assert_false(ByteReader::range(whole, 0xFFFFFFFFull, 2, &out));
  // The member form uses the whole buffer, not the current position.
  ByteReader r(whole);
  r.skip(10);
  assert_true(r.range(0, 4, &out));
  assert_int_equal(out[0], 0);
}

void test_writer_patch_and_borrow(void**) {
  std::vector<uint8_t> v = {9};
  ByteWriter w(v);
  size_t at = w.reserve(4);
  w.u16(7);
  w.patch_u32(at, 0x11223344);
  w.patch_u16(at + 4, 0xBEEF);
  assert_int_equal(v.size(), 7);
  assert_int_equal(v[0], 9);
  assert_int_equal(v[1], 0x44);
  assert_int_equal(v[4], 0x11);
  assert_int_equal(v[5], 0xEF);
  assert_int_equal(v[6], 0xBE);
  ByteWriter w2;
  w2.u8(1);
  w2.align(8);
  assert_int_equal(w2.size(), 8);
  w2.align(8);
  assert_int_equal(w2.size(), 8);
  size_t at64 = w2.reserve(8);
  w2.patch_u64(at64, 0x0807060504030201ull);
  assert_int_equal(w2.view()[8], 1);
  assert_int_equal(w2.view()[15], 8);
}

std::vector<uint8_t> u16le(std::initializer_list<uint16_t> units) {
  std::vector<uint8_t> v;
  for (uint16_t u : units) { v.push_back(uint8_t(u)); v.push_back(uint8_t(u >> 8)); }
  return v;
}

void test_utf16_basic(void**) {
  auto v = u16le({'a', 0xE9, 0x20AC, 'z'});  // a é € z
  auto s = utf16le_to_utf8(Bytes(v.data(), v.size()));
  assert_true(s.has_value());
  assert_string_equal(s->c_str(), "a\xC3\xA9\xE2\x82\xAC" "z");
  auto back = utf8_to_utf16le(*s);
  assert_int_equal(back.size(), v.size());
  assert_memory_equal(back.data(), v.data(), v.size());
  auto e = utf16le_to_utf8(Bytes());
  assert_true(e.has_value());
  assert_true(e->empty());
}

void test_utf16_surrogates(void**) {
  // U+1F600 = D83D DE00
  auto v = u16le({'x', 0xD83D, 0xDE00});
  auto s = utf16le_to_utf8(Bytes(v.data(), v.size()));
  assert_true(s.has_value());
  assert_string_equal(s->c_str(), "x\xF0\x9F\x98\x80");
  auto back = utf8_to_utf16le(*s);
  assert_int_equal(back.size(), v.size());
  assert_memory_equal(back.data(), v.data(), v.size());
  // Surrogate pair as the whole input.
  auto v2 = u16le({0xD83D, 0xDE00});
  assert_true(utf16le_to_utf8(Bytes(v2.data(), v2.size())).has_value());
  // High surrogate at the end, high followed by a non-surrogate, lone low.
  auto bad1 = u16le({'a', 0xD83D});
  auto bad2 = u16le({0xD83D, 'a'});
  auto bad3 = u16le({0xDE00, 'a'});
  auto bad4 = u16le({0xD83D, 0xD83D});
  assert_false(utf16le_to_utf8(Bytes(bad1.data(), bad1.size())).has_value());
  assert_false(utf16le_to_utf8(Bytes(bad2.data(), bad2.size())).has_value());
  assert_false(utf16le_to_utf8(Bytes(bad3.data(), bad3.size())).has_value());
  assert_false(utf16le_to_utf8(Bytes(bad4.data(), bad4.size())).has_value());
}

void test_utf16_invalid(void**) {
  const uint8_t odd[3] = {'a', 0, 'b'};
  assert_false(utf16le_to_utf8(Bytes(odd, 3)).has_value());
  auto nul = u16le({'a', 0, 'b'});
  assert_false(utf16le_to_utf8(Bytes(nul.data(), nul.size())).has_value());
  auto nul_end = u16le({'a', 0});
  assert_false(utf16le_to_utf8(Bytes(nul_end.data(), nul_end.size())).has_value());
  // Invalid UTF-8 becomes U+FFFD, never a read past the end.
  auto r = utf8_to_utf16le("\xC3");  // truncated 2-byte sequence
  assert_int_equal(r.size(), 2);
  assert_int_equal(r[0] | r[1] << 8, 0xFFFD);
  r = utf8_to_utf16le("\xFF" "a");
  assert_int_equal(r.size(), 4);
  assert_int_equal(r[0] | r[1] << 8, 0xFFFD);
  assert_int_equal(r[2], 'a');
  r = utf8_to_utf16le("\xE2\x28\xA1");  // bad continuation
  assert_int_equal(r[0] | r[1] << 8, 0xFFFD);
}

void test_ascii_case(void**) {
  assert_string_equal(ascii_upper("aBc\xC3\xA9").c_str(), "ABC\xC3\xA9");  // non-ASCII untouched
  assert_string_equal(ascii_lower("AbC-Z").c_str(), "abc-z");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_writer_reader_roundtrip),
      cmocka_unit_test(test_overrun_is_sticky),
      cmocka_unit_test(test_range_wrap_checks),
      cmocka_unit_test(test_writer_patch_and_borrow),
      cmocka_unit_test(test_utf16_basic),
      cmocka_unit_test(test_utf16_surrogates),
      cmocka_unit_test(test_utf16_invalid),
      cmocka_unit_test(test_ascii_case),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
