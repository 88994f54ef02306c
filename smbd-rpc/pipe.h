#pragma once
// One open named pipe: a DCE/RPC connection-oriented association with no
// I/O of its own. write() takes the bytes an SMB client wrote, processes
// every complete PDU and queues the answers; read() hands them out one
// message (fragment) at a time, as a message-mode pipe does. Tests and
// fuzzers drive it directly.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"
#include "smbd-rpc/interfaces.h"
#include "smbd-rpc/pdu.h"

namespace cifsd::rpc {

// State shared by all pipes of the process: the configuration (replaced on
// reload; a pipe reads it at each call) and the association group counter.
struct RpcEnv {
  std::shared_ptr<const Config> config;
  uint32_t next_assoc_group = 0x5e1f;
  uint32_t new_assoc_group() { return ++next_assoc_group ? next_assoc_group : ++next_assoc_group; }
};

constexpr uint16_t kMaxFrag = 4280;             // our fragment size limit
constexpr uint16_t kMinFrag = 1432;             // MUST_RECV_FRAG_SIZE
constexpr size_t kMaxRequestStub = 4u << 20;    // reassembled request cap
constexpr size_t kMaxQueuedOutput = 8u << 20;   // unread responses cap
constexpr size_t kMaxContexts = 16;             // presentation contexts per association

class Pipe {
 public:
  Pipe(std::string name, std::string user, RpcEnv& env)
      : name_(std::move(name)), user_(std::move(user)), env_(env) {}

  // STATUS_SUCCESS once the bytes are accepted (protocol errors are answered
  // in-band with a fault or bind_nak); STATUS_PIPE_DISCONNECTED after a
  // fatal protocol error.
  NtStatus write(Bytes data);
  // STATUS_SUCCESS (message complete), STATUS_BUFFER_OVERFLOW (more of this
  // message remains), STATUS_PIPE_EMPTY (nothing queued) or
  // STATUS_PIPE_DISCONNECTED (broken and drained).
  NtStatus read(size_t max, std::vector<uint8_t>* out);

  bool broken() const { return broken_; }
  size_t queued_bytes() const { return out_bytes_; }
  // Memory held for the peer: partial input, a request being reassembled
  // and unread responses.
  size_t buffered_bytes() const { return in_.size() + re_stub_.size() + out_bytes_; }
  const std::string& name() const { return name_; }

 private:
  void process(const Header& h, Bytes pdu);
  void on_bind(const Header& h, Bytes pdu, bool alter);
  void on_request(const Header& h, Bytes pdu);
  void dispatch(uint32_t call_id, uint16_t ctx_id, uint16_t opnum, Bytes stub);
  void queue(std::vector<uint8_t> msg);
  // Answers with a fault (or bind_nak for a bind) and stops the association.
  void fatal(const Header& h, uint32_t status);

  std::string name_;
  std::string user_;
  RpcEnv& env_;

  std::vector<uint8_t> in_;
  std::deque<std::vector<uint8_t>> out_;
  size_t out_offset_ = 0;  // bytes of out_.front() already read
  size_t out_bytes_ = 0;
  bool broken_ = false;

  bool bound_ = false;
  uint16_t max_xmit_ = kMaxFrag;  // largest fragment we send
  uint16_t max_recv_ = kMaxFrag;  // largest fragment we accept
  uint32_t assoc_group_ = 0;
  std::map<uint16_t, const Interface*> contexts_;

  // Multi-fragment request being reassembled.
  bool reassembling_ = false;
  uint32_t re_call_id_ = 0;
  uint16_t re_ctx_ = 0;
  uint16_t re_opnum_ = 0;
  std::vector<uint8_t> re_stub_;
};

}  // namespace cifsd::rpc
