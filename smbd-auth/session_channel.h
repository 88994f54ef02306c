#pragma once
// The auth_proto.h server for one session channel: message allowlist per
// state (Hello first and once), the table of unfinished authentication
// contexts (bounded, expiring) and the answers. Pure: the event loop feeds it
// decoded frames and sends what it returns, so tests and the auth_ipc fuzzer
// drive exactly the code the process runs.
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "smbd-auth/auth_context.h"
#include "smbd-auth/auth_env.h"

namespace cifsd::auth {

constexpr size_t kMaxContextsPerChannel = 16;
constexpr int64_t kContextLifetimeSec = 120;
constexpr uint32_t kFailureDelayBaseMs = 250;
constexpr uint32_t kFailureDelayMaxMs = 4000;  // well below the session's 10 s call timeout

class SessionChannel {
 public:
  explicit SessionChannel(const AuthEnv& env) : env_(env) {}

  // Handles one request. Returns false on a contract violation (the caller
  // closes this channel); otherwise fills the answer's type and payload.
  bool handle(uint16_t type, Bytes body, int64_t now_s, uint16_t* answer_type,
              std::vector<uint8_t>* answer);
  // Drops contexts older than kContextLifetimeSec.
  void expire(int64_t now_s);
  size_t context_count() const { return contexts_.size(); }
  // How long the caller should hold the answer just produced: nonzero after a
  // logon failure, doubling with each failure on this channel (capped), so
  // online password guessing through one connection is slowed down without
  // blocking the other sessions this process serves.
  uint32_t answer_delay_ms() const { return delay_ms_; }
  uint32_t failures() const { return failures_; }

 private:
  bool session_setup(Bytes body, int64_t now_s, std::vector<uint8_t>* answer);
  uint64_t new_context_id() const;

  struct Entry {
    std::unique_ptr<AuthContext> ctx;
    int64_t created = 0;
  };
  const AuthEnv& env_;
  bool hello_ = false;
  uint32_t failures_ = 0;
  uint32_t delay_ms_ = 0;
  std::map<uint64_t, Entry> contexts_;
};

}  // namespace cifsd::auth
