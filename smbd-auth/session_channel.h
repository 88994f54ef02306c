#pragma once
// The auth_proto.h server for one session channel: message allowlist per
// state (Hello first and once), the table of unfinished authentication
// contexts (bounded, expiring) and the answers. Pure: the event loop feeds it
// decoded frames and sends what it returns, so tests and the auth_ipc fuzzer
// drive exactly the code the process runs.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "smbd-auth/auth_context.h"
#include "smbd-auth/auth_env.h"
#include "smbd-auth/logon_throttle.h"

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
  // now_ms: the same clock in milliseconds (default: now_s * 1000), used by
  // the rate limiter.
  bool handle(uint16_t type, Bytes body, int64_t now_s, uint16_t* answer_type,
              std::vector<uint8_t>* answer, int64_t now_ms = -1);
  // Shares the process-wide rate limiter (logon_throttle.h) and tells it the
  // client address of this channel. Without it only the per-channel delay applies.
  void set_throttle(LogonThrottle* throttle, std::string client_address) {
    throttle_ = throttle;
    client_address_ = std::move(client_address);
  }
  // Drops contexts older than kContextLifetimeSec.
  void expire(int64_t now_s);
  size_t context_count() const { return contexts_.size(); }
  // How long the caller should hold the answer just produced: nonzero after a
  // logon failure, doubling with each failure on this channel (capped) and at
  // least what the shared rate limiter asks for this address and account, so
  // online password guessing is slowed down without blocking the other
  // sessions this process serves.
  uint32_t answer_delay_ms() const { return delay_ms_; }
  uint32_t failures() const { return failures_; }
  // The Unix uid of the logon the last request completed (0: none, or a
  // guest/anonymous one). The process tells the master (kAuthenticatedNote)
  // before answering, so the master knows which users a connection proved.
  uint32_t vouched_uid() const { return vouched_uid_; }

 private:
  bool session_setup(Bytes body, int64_t now_s, int64_t now_ms, std::vector<uint8_t>* answer);
  uint64_t new_context_id() const;

  struct Entry {
    std::unique_ptr<AuthContext> ctx;
    int64_t created = 0;
  };
  const AuthEnv& env_;
  bool hello_ = false;
  uint32_t failures_ = 0;
  uint32_t delay_ms_ = 0;
  uint32_t vouched_uid_ = 0;
  std::map<uint64_t, Entry> contexts_;
  LogonThrottle* throttle_ = nullptr;
  std::string client_address_;
};

}  // namespace cifsd::auth
