#include "smbd-session/network_interfaces.h"

#include <sys/socket.h>

#include "common/ipc/master_proto.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"
#include "common/config/config.h"

namespace cifsd::session {
namespace {

// SockAddr_Storage families are Windows' values (MS-SMB2 2.2.32.5.1).
constexpr uint16_t kInterNetwork = 0x0002, kInterNetworkV6 = 0x0017;

}  // namespace

NtStatus network_interface_info(uint16_t dialect, bool multichannel, Bytes packed,
                                uint32_t max_out, std::vector<uint8_t>* out) {
  if (dialect < kSmb300 || !multichannel) return status::kNotSupported;
  ByteReader r(packed);
  std::vector<uint8_t> v;
  ByteWriter w(v);
  size_t prev = SIZE_MAX;
  while (r.remaining() >= ipc::master::kInterfaceEntrySize) {
    uint32_t index = r.u32();
    uint64_t speed = r.u64();
    uint16_t family = r.u16();
    Bytes addr = r.bytes(16);
    if (!r.ok() || (family != AF_INET && family != AF_INET6) || index == 0) continue;
    size_t at = v.size();
    if (prev != SIZE_MAX) w.patch_u32(prev, uint32_t(at - prev));
    prev = at;
    w.u32(0);      // Next, patched by the following entry
    w.u32(index);
    w.u32(0);      // Capability: no RSS or RDMA claimed
    w.u32(0);      // Reserved
    w.u64(speed);
    if (family == AF_INET) {
      w.u16(kInterNetwork);
      w.u16(0);    // Port
      w.bytes(addr.first(4));
      w.zeros(128 - 8);
    } else {
      w.u16(kInterNetworkV6);
      w.u16(0);    // Port
      w.u32(0);    // FlowInfo
      w.bytes(addr);
      w.u32(0);    // ScopeId
      w.zeros(128 - 28);
    }
  }
  if (v.size() > max_out) return status::kBufferTooSmall;
  *out = std::move(v);
  return status::kSuccess;
}

}  // namespace cifsd::session
