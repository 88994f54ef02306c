#include "smbd-master/interface_list.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "common/ipc/master_proto.h"
#include "common/wire/writer.h"
#include "smbd-master/listener.h"

namespace cifsd::master {
namespace {

struct IfaddrsFree { void operator()(ifaddrs* p) const { freeifaddrs(p); } };

struct Entry {
  uint32_t index = 0;
  uint64_t speed = 0;
  uint16_t family = 0;
  uint8_t addr[16] = {};
  bool loopback = false;
};

// /sys/class/net/<if>/speed is in Mb/s, -1 or absent when unknown (virtual
// interfaces, loopback): then 1 Gb/s, which only weighs channels equally.
uint64_t link_speed(const char* name) {
  std::ifstream f(std::string("/sys/class/net/") + name + "/speed");
  long long mbps = -1;
  if (f >> mbps && mbps > 0) return uint64_t(mbps) * 1000000ull;
  return 1000000000ull;
}

bool same_address(const Entry& e, const ListenAddress& l) {
  if (l.addr.ss_family != e.family) return false;
  if (e.family == AF_INET)
    return std::memcmp(&reinterpret_cast<const sockaddr_in*>(&l.addr)->sin_addr, e.addr, 4) == 0;
  return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&l.addr)->sin6_addr, e.addr, 16) == 0;
}

}  // namespace

std::vector<uint8_t> server_interfaces(const GlobalConfig& g) {
  ifaddrs* raw = nullptr;
  if (getifaddrs(&raw) != 0) return {};
  std::unique_ptr<ifaddrs, IfaddrsFree> list(raw);
  std::vector<Entry> all;
  for (ifaddrs* i = raw; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    Entry e;
    e.index = if_nametoindex(i->ifa_name);
    if (e.index == 0) continue;  // MS-SMB2: never an IfIndex of zero
    e.loopback = i->ifa_flags & IFF_LOOPBACK;
    if (i->ifa_addr->sa_family == AF_INET) {
      e.family = AF_INET;
      std::memcpy(e.addr, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr)) continue;  // unusable without a scope
      e.family = AF_INET6;
      std::memcpy(e.addr, &s6->sin6_addr, 16);
    } else {
      continue;
    }
    e.speed = link_speed(i->ifa_name);
    all.push_back(e);
  }
  std::vector<Entry> chosen;
  if (g.bind_interfaces_only && !g.interfaces.empty()) {
    std::vector<std::string> errors;
    std::vector<ListenAddress> bound = listen_addresses(g, 0, &errors);
    for (const Entry& e : all)
      for (const ListenAddress& l : bound)
        if (same_address(e, l)) {
          chosen.push_back(e);
          break;
        }
  } else {
    for (const Entry& e : all)
      if (!e.loopback) chosen.push_back(e);
    if (chosen.empty()) chosen = all;
  }
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  for (const Entry& e : chosen) {
    if (buf.size() + ipc::master::kInterfaceEntrySize > ipc::master::kMaxInterfaceBytes) break;
    w.u32(e.index);
    w.u64(e.speed);
    w.u16(e.family);
    w.raw(e.addr, 16);
  }
  return buf;
}

}  // namespace cifsd::master
