// Unit tests: the QUERY_INFO input buffer (smbd-session/info/query_input.h)
// must lie inside the request and after its fixed part; an empty one is
// accepted with any offset. Offsets/lengths that overflow are refused.
#include <cstring>
#include <vector>

#include "smbd-session/info/query_input.h"

// cmocka last: it defines macros (skip) that clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
namespace si = cifsd::session::info;

namespace {

// A 64-byte header + the 40-byte fixed part + `extra` bytes of buffer.
std::vector<uint8_t> pdu(uint16_t off, uint32_t len, size_t extra) {
  std::vector<uint8_t> p(64 + 40 + extra, 0);
  uint8_t* b = p.data() + 64;
  b[0] = 41;  // StructureSize
  b[8] = uint8_t(off);
  b[9] = uint8_t(off >> 8);
  std::memcpy(b + 12, &len, 4);
  for (size_t i = 0; i < extra; i++) p[104 + i] = uint8_t(0xA0 + i);
  return p;
}

NtStatus check(const std::vector<uint8_t>& p, Bytes* in) {
  Bytes whole(p.data(), p.size());
  return si::query_info_input(whole, whole.subspan(64), in);
}

void test_valid(void**) {
  Bytes in;
  auto p = pdu(104, 8, 8);
  assert_int_equal(check(p, &in), status::kSuccess);
  assert_int_equal(in.size(), 8);
  assert_ptr_equal(in.data(), p.data() + 104);
  assert_int_equal(in[0], 0xA0);
  // Part of the buffer, ending before the request does.
  p = pdu(108, 2, 8);
  assert_int_equal(check(p, &in), status::kSuccess);
  assert_int_equal(in.size(), 2);
  assert_int_equal(in[0], 0xA4);
  // Empty input: any offset (0, 0x68, garbage) is fine and yields nothing.
  for (uint16_t off : {uint16_t(0), uint16_t(104), uint16_t(0xFFFF)}) {
    p = pdu(off, 0, 0);
    assert_int_equal(check(p, &in), status::kSuccess);
    assert_int_equal(in.size(), 0);
  }
}

void test_outside(void**) {
  Bytes in;
  // One byte past the end of the request.
  assert_int_equal(check(pdu(104, 9, 8), &in), status::kInvalidParameter);
  // Starts past the end.
  assert_int_equal(check(pdu(200, 1, 8), &in), status::kInvalidParameter);
  // Huge length: off + len wraps a 32-bit sum.
  assert_int_equal(check(pdu(104, 0xFFFFFFFF, 8), &in), status::kInvalidParameter);
  assert_int_equal(check(pdu(0xFFFF, 0xFFFFFFF0u, 8), &in), status::kInvalidParameter);
  // Overlapping the header or the fixed part.
  assert_int_equal(check(pdu(0, 8, 8), &in), status::kInvalidParameter);
  assert_int_equal(check(pdu(64, 8, 64), &in), status::kInvalidParameter);
  assert_int_equal(check(pdu(103, 2, 8), &in), status::kInvalidParameter);
  assert_int_equal(in.size(), 0);
}

void test_short_body(void**) {
  // A body too short to hold the fields at all.
  std::vector<uint8_t> p(64 + 10, 0);
  Bytes whole(p.data(), p.size()), in;
  assert_int_equal(si::query_info_input(whole, whole.subspan(64), &in), status::kInvalidParameter);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_outside),
      cmocka_unit_test(test_short_body),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
