#pragma once
// The rpc_proto server side of one session channel, without I/O: it takes a
// decoded request (type, payload) and produces the answer. Anything outside
// the contract - an unknown type, a request not allowed in the current
// state, an undecodable payload - makes handle() return false, and the
// caller closes this channel only.
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "common/ipc/rpc_proto.h"
#include "smbd-rpc/pipe.h"

namespace cifsd::rpc {

constexpr size_t kMaxPipesPerChannel = 64;
// One session may not make the shared rpc process hold more than this for
// it across all its pipes (each pipe alone is capped lower, see pipe.h).
constexpr size_t kMaxChannelBuffered = 16u << 20;

class SessionChannel {
 public:
  explicit SessionChannel(RpcEnv& env) : env_(env) {}

  bool handle(uint16_t type, Bytes payload, uint16_t* answer_type, std::vector<uint8_t>* answer);

  size_t open_pipes() const { return pipes_.size(); }

 private:
  Pipe* find(uint32_t handle);
  bool over_budget(size_t incoming) const;
  bool on_hello(Bytes payload, std::vector<uint8_t>* answer);
  bool on_open(Bytes payload, std::vector<uint8_t>* answer);
  bool on_write(Bytes payload, std::vector<uint8_t>* answer);
  bool on_read(Bytes payload, std::vector<uint8_t>* answer);
  bool on_transceive(Bytes payload, std::vector<uint8_t>* answer);
  bool on_close(Bytes payload, std::vector<uint8_t>* answer);

  RpcEnv& env_;
  bool hello_done_ = false;
  std::map<uint32_t, std::unique_ptr<Pipe>> pipes_;
};

}  // namespace cifsd::rpc
