#pragma once
// The smbd-rpc event loop: the master channel (attach, reload) and every
// session channel, multiplexed with poll(2). Requests are answered in
// order and quickly (no call blocks), so a single thread serves everyone.
#include <memory>
#include <vector>

#include "common/ipc/channel.h"
#include "common/util/unique_fd.h"
#include "smbd-rpc/session_channel.h"

namespace cifsd::rpc {

constexpr size_t kMaxSessionChannels = 4096;

class Server {
 public:
  Server(int master_fd, RpcEnv& env) : master_fd_(master_fd), env_(env) {}
  // Runs until the master channel closes; returns the process exit code.
  int run();

 private:
  struct Session {
    UniqueFd fd;
    uint64_t connection_id = 0;
    SessionChannel channel;
    Session(UniqueFd f, uint64_t id, RpcEnv& env) : fd(std::move(f)), connection_id(id), channel(env) {}
  };

  // false: the master channel is gone or broke the contract.
  bool on_master();
  // false: close this session channel.
  bool on_session(Session& s);

  int master_fd_;
  RpcEnv& env_;
  std::vector<std::unique_ptr<Session>> sessions_;
};

}  // namespace cifsd::rpc
