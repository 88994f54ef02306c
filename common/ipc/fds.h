#pragma once
// Fixed descriptor numbers every child finds its channels on after exec.
// The master arranges them with dup2() between fork and exec; nothing else
// is inherited (every other descriptor is O_CLOEXEC).
namespace cifsd::ipc {

constexpr int kFdMaster = 3;   // child <-> smbd-master (SOCK_SEQPACKET)
constexpr int kFdAuth = 4;     // smbd-session <-> smbd-auth (SOCK_SEQPACKET)
constexpr int kFdRpc = 5;      // smbd-session <-> smbd-rpc (SOCK_SEQPACKET)
constexpr int kFdClient = 6;   // smbd-session: the client's TCP socket

}  // namespace cifsd::ipc
