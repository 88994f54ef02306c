#pragma once
// The server's network interfaces for FSCTL_QUERY_NETWORK_INTERFACE_INFO
// (MS-SMB2 3.3.5.15.11): enumerated by the master (the sandboxed sessions
// can open neither netlink sockets nor /sys) and handed to each session in
// its HelloAnswer as a packed list (smbd-session/network_interfaces.h reads it).
#include <cstdint>
#include <vector>

#include "common/config/config.h"

namespace cifsd::master {

// Packed entries of kInterfaceEntrySize bytes: u32 IfIndex, u64 LinkSpeed
// (bits/s), u16 family (AF_INET/AF_INET6), 16 address bytes (IPv4 in the
// first 4). The addresses clients can reach us on: with `bind interfaces
// only` those we listen on; otherwise every up interface's addresses except
// loopback and IPv6 link-local (loopback alone when there is nothing else).
std::vector<uint8_t> server_interfaces(const GlobalConfig& g);

}  // namespace cifsd::master
