#pragma once
// Per-connection state of one smbd-session process. The engine owns and
// extends it; handlers read the negotiated parameters from it.
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/config/config.h"
#include "common/ipc/channel.h"
#include "common/util/unique_fd.h"
#include "smbd-session/async.h"
#include "smbd-session/credits.h"
#include "smbd-session/request.h"

namespace cifsd::session {

class EventLoop;
using MasterHandler = std::function<void(Connection&, const ipc::Message&)>;

struct Connection {
  Config config;                       // parsed from the text the master handed over
  std::string client_ip;
  uint32_t client_port = 0;
  uint64_t connection_id = 0;
  std::vector<uint8_t> server_interfaces;  // from the master, for FSCTL_QUERY_NETWORK_INTERFACE_INFO

  // Negotiated
  uint16_t dialect = 0;                // 0 until NEGOTIATE
  std::array<uint8_t, 16> client_guid{};
  std::array<uint8_t, 16> server_guid{};
  uint16_t client_security_mode = 0;
  uint32_t client_capabilities = 0;
  uint16_t server_security_mode = 0;
  uint32_t server_capabilities = 0;
  std::vector<uint16_t> client_dialects;  // for VALIDATE_NEGOTIATE_INFO
  uint32_t max_read = 8 << 20, max_write = 8 << 20, max_trans = 8 << 20;
  uint16_t cipher = 0;                 // 3.1.1 encryption context choice
  uint16_t signing_algorithm = 0;      // 3.1.1 signing context choice (0 HMAC/CMAC default)
  bool posix_ext = false;              // SMB 3.1.1 POSIX extensions negotiated (posix/posix_ext.h)
  uint16_t preauth_hash_id = 0;        // 1 = SHA-512
  std::array<uint8_t, 64> preauth_hash{};  // connection preauth integrity hash

  std::map<uint64_t, std::unique_ptr<Session>> sessions;
  uint64_t next_session_id = 1;
  uint64_t next_volatile_id = 1;
  uint64_t next_broker_id = 1;
  uint32_t next_pipe_handle = 1;
  size_t open_count = 0;               // across all trees, capped by max open files

  // Engine state (owned by the engine; handlers only read these)
  CreditWindow credits;
  bool wildcard_answered = false;      // an SMB1 NEGOTIATE got the 0x02FF answer
  bool disconnect = false;             // set by a handler to drop the connection
  bool signing_mandatory = false;      // "server signing = mandatory"
  // SMB3 encryption nonces: a per-connection random salt and a counter, so no
  // (key, nonce) pair ever repeats.
  std::array<uint8_t, 4> enc_nonce_salt{};
  uint64_t enc_nonce_counter = 0;

  // IPC channels (fixed fds after exec; replaced when a helper restarts)
  UniqueFd master_fd, auth_fd, rpc_fd;
  uint32_t ipc_seq = 1;

  // Event-driven work (async.h, master_link.h). `loop` is null in unit tests
  // and fuzzers that drive the engine without one; `send` queues a complete
  // frame for the client (null: frames are dropped, e.g. after the end).
  EventLoop* loop = nullptr;
  std::function<void(std::vector<uint8_t>)> send;
  // Runs a function from the loop once the current callback returns (null:
  // the caller runs it at once).
  std::function<void(std::function<void()>)> defer;
  std::map<uint64_t, std::unique_ptr<AsyncOp>> async_ops;  // by AsyncId
  uint64_t next_async_id = 1;
  // Master notifications by type, the ones read during a call and waiting to
  // be dispatched, and how to get the loop to dispatch them.
  std::map<uint16_t, MasterHandler> master_handlers;
  std::deque<ipc::Message> master_inbox;
  std::function<void()> schedule_master_dispatch;
  // CHANGE_NOTIFY's watcher (smbd-session/notify/watcher.h), created on first use.
  std::shared_ptr<void> notify_watcher;
  // Multichannel (smbd-session/multichannel.h): the channels this process
  // serves; null in unit tests and fuzzers (one implicit channel).
  std::shared_ptr<struct MultiChannel> multichannel;
  // Run before each client frame (set by the watcher): changes that earlier
  // requests made are taken in before the next request is looked at.
  std::function<void()> before_frame;
  // Byte-range locks (lock_client.h): the files the broker says have locks,
  // and blocking LOCKs waiting in the broker, by AsyncId.
  std::set<std::pair<uint64_t, uint64_t>> locked_files;
  std::map<uint64_t, std::function<void(NtStatus)>> lock_waits;
  // Files (dev, ino) whose delete-on-close handle has closed while other
  // opens of this process still hold them (delete_pending.h).
  std::set<std::pair<uint64_t, uint64_t>> delete_pending;
};

}  // namespace cifsd::session
