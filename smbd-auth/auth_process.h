#pragma once
// The smbd-auth event loop: the master channel (fd 3) plus one channel per
// attached session. poll(2) rather than libevent: the process only ever waits
// for "a channel is readable" on a few descriptors, answers each request at
// once, and has a single coarse timer (context expiry); a flat pollfd vector
// rebuilt per iteration is the whole loop and keeps the code auditable.
#include <memory>
#include <string>
#include <vector>

#include "common/util/unique_fd.h"
#include "smbd-auth/auth_env.h"
#include "smbd-auth/logon_throttle.h"
#include "smbd-auth/session_channel.h"
#include "smbd-auth/unix_identity.h"

namespace cifsd::auth {

constexpr size_t kMaxChannels = 4096;

class AuthProcess {
 public:
  // master_fd is borrowed (fd 3 for the real process).
  explicit AuthProcess(int master_fd) : master_fd_(master_fd) { env_.resolver = &resolver_; }
  // Handshake with the master: Hello, HelloAnswer, config and passdb.
  bool start();
  // Runs until the master channel closes. Returns the exit code.
  int run();

 private:
  bool apply_config(const std::string& text, std::string* error);
  void on_master();
  void on_channel(size_t i);  // index into channels_
  std::string passdb_path() const;

  struct Channel {
    UniqueFd fd;
    std::unique_ptr<SessionChannel> server;
    uint64_t connection_id = 0;
    // An answer held back after a logon failure (see answer_delay_ms()); the
    // channel is not read until it has been sent.
    bool held = false;
    int64_t due_ms = 0;
    uint16_t held_type = 0;
    uint32_t held_seq = 0;
    std::vector<uint8_t> held_answer;
  };
  void send_held(Channel& c);
  // Sends kAuthenticatedNote for the logon c's last request completed, if any.
  bool vouch(const Channel& c);
  int master_fd_;
  bool master_closed_ = false;
  UnixIdentityResolver resolver_;
  AuthEnv env_;
  std::string master_passdb_path_;
  std::string config_passdb_path_;
  std::vector<Channel> channels_;
  // Failed-logon rate limiter shared by all channels (per address, per account).
  LogonThrottle throttle_;
};

}  // namespace cifsd::auth
