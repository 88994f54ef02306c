#pragma once
// Wire contract: smbd-master <-> its children (smbd-session, smbd-auth,
// smbd-rpc) on fd kFdMaster. The master is the broker of state shared between
// clients (share modes today; oplocks, locks and durable handles next; see
// docs/state.md). Requests even, answers odd. See docs/ipc.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::ipc::master {

constexpr uint16_t kVersion = 1;

enum Type : uint16_t {
  // child -> master
  kHello = 2, kHelloAnswer = 3,            // answer carries the child's start-up data
  kShareOpen = 4, kShareOpenAnswer = 5,    // session: register an open (share-mode check)
  kShareClose = 6, kShareCloseAnswer = 7,  // session: forget an open
  kNewChannel = 8, kNewChannelAnswer = 9,  // session: a fresh channel to a restarted helper
  // master -> helper (smbd-auth, smbd-rpc)
  kAttach = 10, kAttachAnswer = 11,        // a new session's channel (fd passed)
  kReload = 12, kReloadAnswer = 13,        // new configuration text
};

enum class Role : uint32_t { kSession = 1, kAuth = 2, kRpc = 3 };

constexpr size_t kMaxConfigText = 100 * 1024;

struct Hello {
  uint32_t version = kVersion;
  Role role = Role::kSession;
  void encode(ByteWriter& w) const;
  static std::optional<Hello> decode(Bytes b);
};

struct HelloAnswer {
  std::string config_text;    // the smb.conf the master validated
  std::string passdb_path;    // for smbd-auth
  std::string client_ip;      // for smbd-session
  uint32_t client_port = 0;
  uint64_t connection_id = 0;
  uint32_t log_level = 2;
  void encode(ByteWriter& w) const;
  static std::optional<HelloAnswer> decode(Bytes b);
};

struct ShareOpen {
  uint64_t open_id = 0;       // unique within the session process
  uint64_t dev = 0, ino = 0;  // the file's identity
  uint32_t access = 0;        // granted access mask
  uint32_t share_access = 0;  // FILE_SHARE_READ | WRITE | DELETE
  void encode(ByteWriter& w) const;
  static std::optional<ShareOpen> decode(Bytes b);
};

struct StatusAnswer {
  uint32_t status = 0;        // NTSTATUS
  void encode(ByteWriter& w) const;
  static std::optional<StatusAnswer> decode(Bytes b);
};

struct ShareClose {
  uint64_t open_id = 0;
  void encode(ByteWriter& w) const;
  static std::optional<ShareClose> decode(Bytes b);
};

struct NewChannel {
  Role helper = Role::kAuth;  // which helper
  void encode(ByteWriter& w) const;
  static std::optional<NewChannel> decode(Bytes b);
};
// NewChannelAnswer is a StatusAnswer with the channel's fd attached on success.

struct Attach {
  uint64_t connection_id = 0;
  std::string client_ip;
  void encode(ByteWriter& w) const;
  static std::optional<Attach> decode(Bytes b);
};

struct Reload {
  std::string config_text;
  void encode(ByteWriter& w) const;
  static std::optional<Reload> decode(Bytes b);
};

}  // namespace cifsd::ipc::master
