// FSCTL_QUERY_NETWORK_INTERFACE_INFO answers (smbd-session/network_interfaces.h)
// from the master's packed list: layout, Windows address families, chaining,
// the buffer limit and the dialect/multichannel gate.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include "common/config/config.h"
#include "common/ipc/master_proto.h"
#include "common/wire/writer.h"
#include "smbd-session/network_interfaces.h"

// cmocka last: its macros would clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::session;

namespace {

uint32_t le32(const std::vector<uint8_t>& b, size_t o) {
  return uint32_t(b[o]) | uint32_t(b[o + 1]) << 8 | uint32_t(b[o + 2]) << 16 | uint32_t(b[o + 3]) << 24;
}

std::vector<uint8_t> packed() {
  std::vector<uint8_t> p;
  ByteWriter w(p);
  const uint8_t v4[16] = {192, 0, 2, 7};
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
  w.u32(2);
  w.u64(10000000000ull);
  w.u16(AF_INET);
  w.raw(v4, 16);
  w.u32(2);
  w.u64(10000000000ull);
  w.u16(AF_INET6);
  w.raw(v6, 16);
  w.u32(0);  // IfIndex 0 is never reported
  w.u64(1);
  w.u16(AF_INET);
  w.raw(v4, 16);
  return p;
}

void test_entries(void**) {
  std::vector<uint8_t> p = packed(), out;
  assert_int_equal(p.size(), 3 * ipc::master::kInterfaceEntrySize);
  assert_int_equal(network_interface_info(kSmb311, true, Bytes(p), 65536, &out), status::kSuccess);
  assert_int_equal(out.size(), 2 * kNetworkInterfaceInfoSize);
  assert_int_equal(le32(out, 0), kNetworkInterfaceInfoSize);  // Next
  assert_int_equal(le32(out, 4), 2);                          // IfIndex
  assert_int_equal(le32(out, 16), uint32_t(10000000000ull));  // LinkSpeed low
  assert_int_equal(out[24], 0x02);                            // InterNetwork
  assert_int_equal(out[28], 192);
  assert_int_equal(out[31], 7);
  size_t b = kNetworkInterfaceInfoSize;
  assert_int_equal(le32(out, b), 0);                          // last entry
  assert_int_equal(out[b + 24], 0x17);                        // InterNetworkV6 (23)
  assert_int_equal(out[b + 32], 0x20);                        // after Port and FlowInfo
  assert_int_equal(out[b + 47], 9);
}

void test_limits(void**) {
  std::vector<uint8_t> p = packed(), out;
  assert_int_equal(network_interface_info(kSmb311, true, Bytes(p), 200, &out), status::kBufferTooSmall);
  assert_int_equal(network_interface_info(kSmb210, true, Bytes(p), 65536, &out), status::kNotSupported);
  assert_int_equal(network_interface_info(kSmb302, false, Bytes(p), 65536, &out), status::kNotSupported);
  std::vector<uint8_t> torn(p.begin(), p.begin() + 40);  // one entry and a piece
  assert_int_equal(network_interface_info(kSmb300, true, Bytes(torn), 65536, &out), status::kSuccess);
  assert_int_equal(out.size(), kNetworkInterfaceInfoSize);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_entries), cmocka_unit_test(test_limits)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
