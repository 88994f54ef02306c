#include "smbd-master/listener.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/log/log.h"

namespace cifsd::master {
namespace {

ListenAddress from_v4(const in_addr& a, uint16_t port) {
  ListenAddress l;
  auto* sin = reinterpret_cast<sockaddr_in*>(&l.addr);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  sin->sin_addr = a;
  l.len = sizeof(sockaddr_in);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  l.text = std::string(buf) + ":" + std::to_string(port);
  return l;
}

ListenAddress from_v6(const in6_addr& a, uint32_t scope, uint16_t port) {
  ListenAddress l;
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&l.addr);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  sin6->sin6_addr = a;
  sin6->sin6_scope_id = scope;
  l.len = sizeof(sockaddr_in6);
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a, buf, sizeof buf);
  l.text = "[" + std::string(buf) + "]:" + std::to_string(port);
  return l;
}

struct IfaddrsFree { void operator()(ifaddrs* p) const { freeifaddrs(p); } };

bool add_interface(const std::string& name, uint16_t port, std::vector<ListenAddress>* out) {
  ifaddrs* raw = nullptr;
  if (getifaddrs(&raw) != 0) return false;
  std::unique_ptr<ifaddrs, IfaddrsFree> list(raw);
  bool found = false;
  for (ifaddrs* i = raw; i; i = i->ifa_next) {
    if (!i->ifa_addr || name != i->ifa_name) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      out->push_back(from_v4(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, port));
      found = true;
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      out->push_back(from_v6(s6->sin6_addr, s6->sin6_scope_id, port));
      found = true;
    }
  }
  return found;
}

}  // namespace

std::vector<ListenAddress> listen_addresses(const GlobalConfig& g, uint16_t port,
                                            std::vector<std::string>* errors) {
  std::vector<ListenAddress> out;
  if (!g.bind_interfaces_only || g.interfaces.empty()) {
    out.push_back(from_v6(in6addr_any, 0, port));
    return out;
  }
  for (std::string entry : g.interfaces) {
    size_t slash = entry.find('/');
    if (slash != std::string::npos) entry.resize(slash);
    if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']')
      entry = entry.substr(1, entry.size() - 2);
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, entry.c_str(), &a4) == 1) {
      out.push_back(from_v4(a4, port));
    } else if (inet_pton(AF_INET6, entry.c_str(), &a6) == 1) {
      out.push_back(from_v6(a6, 0, port));
    } else if (!add_interface(entry, port, &out)) {
      errors->push_back("interface '" + entry + "' has no address");
    }
  }
  return out;
}

UniqueFd open_listener(const ListenAddress& a, std::string* error) {
  int family = a.addr.ss_family;
  UniqueFd fd(socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    *error = strerror(errno);
    return {};
  }
  int one = 1, zero = 0;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&a.addr);
    // The wildcard serves IPv4 too (mapped addresses); a specific address
    // only itself.
    int v6only = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr) ? zero : one;
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len) != 0 ||
      listen(fd.get(), 128) != 0) {
    *error = strerror(errno);
    return {};
  }
  return fd;
}

std::vector<UniqueFd> open_listeners(const GlobalConfig& g, uint16_t port) {
  std::vector<std::string> errors;
  std::vector<ListenAddress> addrs = listen_addresses(g, port, &errors);
  for (const std::string& e : errors) LOG_W("listen: %s", e.c_str());
  std::vector<UniqueFd> out;
  bool wildcard = !g.bind_interfaces_only || g.interfaces.empty();
  for (const ListenAddress& a : addrs) {
    std::string err;
    UniqueFd fd = open_listener(a, &err);
    if (!fd && wildcard) {
      in_addr any{};
      any.s_addr = htonl(INADDR_ANY);
      ListenAddress v4 = from_v4(any, port);
      LOG_W("listen on %s: %s; trying %s", a.text.c_str(), err.c_str(), v4.text.c_str());
      fd = open_listener(v4, &err);
      if (fd) LOG_I("listening on %s", v4.text.c_str());
      else LOG_E("listen on %s: %s", v4.text.c_str(), err.c_str());
    } else if (!fd) {
      LOG_E("listen on %s: %s", a.text.c_str(), err.c_str());
    } else {
      LOG_I("listening on %s", a.text.c_str());
    }
    if (fd) out.push_back(std::move(fd));
  }
  return out;
}

}  // namespace cifsd::master
