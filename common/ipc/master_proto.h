#pragma once
// Wire contract: smbd-master <-> its children (smbd-session, smbd-auth,
// smbd-rpc) on fd kFdMaster. The master is the broker of state shared between
// clients (share modes today; oplocks, locks and durable handles next; see
// docs/state.md). Requests even, answers odd. See docs/ipc.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ipc/codec.h"
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

// Notifications: messages with seq 0 that get no answer, from the master to a
// session unasked (an oplock break for one of its opens, ...) or the other
// way. Their types are even and at least kFirstNotification, so a session can
// tell them from the answer it waits for (smbd-session/master_link.h).
constexpr uint16_t kFirstNotification = 0x100;

enum class Role : uint32_t { kSession = 1, kAuth = 2, kRpc = 3 };

constexpr size_t kMaxConfigText = 100 * 1024;

struct Hello {
  uint32_t version = kVersion;
  Role role = Role::kSession;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.version);
    io.enum32(m.role);
  }
  bool validate() const { return uint32_t(role) >= 1 && uint32_t(role) <= 3; }
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
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.str(m.config_text, kMaxConfigText);
    io.str(m.passdb_path, 4096);
    io.str(m.client_ip, 64);
    io.u32(m.client_port);
    io.u64(m.connection_id);
    io.u32(m.log_level);
  }
  bool validate() const { return client_port <= 65535 && log_level <= 3; }
  void encode(ByteWriter& w) const;
  static std::optional<HelloAnswer> decode(Bytes b);
};

struct ShareOpen {
  uint64_t open_id = 0;       // unique within the session process
  uint64_t dev = 0, ino = 0;  // the file's identity
  uint32_t access = 0;        // granted access mask
  uint32_t share_access = 0;  // FILE_SHARE_READ | WRITE | DELETE
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.u64(m.dev);
    io.u64(m.ino);
    io.u32(m.access);
    io.u32(m.share_access);
  }
  bool validate() const { return (share_access & ~7u) == 0; }
  void encode(ByteWriter& w) const;
  static std::optional<ShareOpen> decode(Bytes b);
};

struct StatusAnswer {
  uint32_t status = 0;        // NTSTATUS
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.status);
  }
  void encode(ByteWriter& w) const;
  static std::optional<StatusAnswer> decode(Bytes b);
};

struct ShareClose {
  uint64_t open_id = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
  }
  void encode(ByteWriter& w) const;
  static std::optional<ShareClose> decode(Bytes b);
};

struct NewChannel {
  Role helper = Role::kAuth;  // which helper
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.enum32(m.helper);
  }
  bool validate() const { return helper == Role::kAuth || helper == Role::kRpc; }
  void encode(ByteWriter& w) const;
  static std::optional<NewChannel> decode(Bytes b);
};
// NewChannelAnswer is a StatusAnswer with the channel's fd attached on success.

struct Attach {
  uint64_t connection_id = 0;
  std::string client_ip;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.connection_id);
    io.str(m.client_ip, 64);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Attach> decode(Bytes b);
};

struct Reload {
  std::string config_text;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.str(m.config_text, kMaxConfigText);
  }
  void encode(ByteWriter& w) const;
  static std::optional<Reload> decode(Bytes b);
};

// Session reconnect (0x140-0x14E; MS-SMB2 3.3.5.5.3 PreviousSessionId).
// A session that authenticated with a PreviousSessionId owned by another
// connection asks the master to end it; the master forwards the request to
// the connection the SessionId names (its bits 40-63 are that connection's id,
// smbd-session/cmd_session_setup.cc), which logs the session off only if it
// belongs to the same Unix user and is not a guest or anonymous session.
enum SessionNoteType : uint16_t {
  kLogoffPreviousNote = 0x140,  // session -> master (LogoffPrevious)
  kLogoffSessionNote = 0x142,   // master -> the owning session (LogoffPrevious)
};

struct LogoffPrevious {
  uint64_t session_id = 0;  // the PreviousSessionId
  uint32_t uid = 0;         // the Unix user of the new session
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.session_id);
    io.u32(m.uid);
  }
  bool validate() const { return session_id != 0 && uid != 0; }
  void encode(ByteWriter& w) const { write_fields(*this, w); }
  static std::optional<LogoffPrevious> decode(Bytes b) { return read_fields<LogoffPrevious>(b); }
};

// The connection whose session ids carry `session_id` (0 if none could).
inline uint64_t connection_of_session(uint64_t session_id) { return session_id >> 40; }

}  // namespace cifsd::ipc::master
