#pragma once
// Listening sockets from `interfaces`, `bind interfaces only` and the port.
#include <sys/socket.h>

#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/util/unique_fd.h"

namespace cifsd::master {

struct ListenAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;  // "127.0.0.1:445", "[::1]:445"
};

// The addresses to listen on. With `bind interfaces only`, each entry of
// `interfaces` is an IPv4/IPv6 literal (an "/prefix" suffix is ignored) or an
// interface name whose addresses are looked up with getifaddrs. Otherwise a
// single wildcard address (:: dual-stack; the caller falls back to 0.0.0.0).
// Unknown entries are reported in *errors.
std::vector<ListenAddress> listen_addresses(const GlobalConfig& g, uint16_t port,
                                            std::vector<std::string>* errors);

// socket+SO_REUSEADDR+bind+listen, non-blocking and close-on-exec.
UniqueFd open_listener(const ListenAddress& a, std::string* error);

// Binds everything; with a wildcard :: that fails (no IPv6), retries 0.0.0.0.
std::vector<UniqueFd> open_listeners(const GlobalConfig& g, uint16_t port);

}  // namespace cifsd::master
