#pragma once
// Wire contract: smbd-master <-> its children (smbd-session, smbd-auth,
// smbd-rpc) on fd kFdMaster. The master is the broker of state shared between
// clients (share modes today; oplocks, locks and durable handles next; see
// docs/state.md). Requests even, answers odd. See docs/ipc.md.
#include <array>
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
  // session -> master: a file's delete-pending state (DeletePending -> StatusAnswer)
  kDeletePending = 14, kDeletePendingAnswer = 15,
  // session -> master: end a previous session (LogoffPrevious -> StatusAnswer,
  // sent after the master has passed the note on to the owning connection)
  kLogoffPrevious = 16, kLogoffPreviousAnswer = 17,
  // session -> master: oplocks and leases (20-39; smbd-master/caching.h)
  kCachingOpen = 20, kCachingOpenAnswer = 21,  // ShareOpen + the oplock/lease request
  kOplockAck = 22, kOplockAckAnswer = 23,      // client acknowledged an oplock break
  kLeaseAck = 24, kLeaseAckAnswer = 25,        // client acknowledged a lease break
  // An open wrote while others cache reads (IdNote -> StatusAnswer, answered
  // after the breaks went out, so they reach the client right after the
  // WRITE response; kCachingWriteNote is the same without an answer).
  kCachingWrite = 26, kCachingWriteAnswer = 27,
};

// Oplock/lease notifications (0x100-0x11E; byte-range locks and durable
// handles use 0x120-0x13E).
enum NoteType : uint16_t {
  kOplockBreakNote = 0x100,    // master -> session: send an oplock break (OplockBreakNote)
  kLeaseBreakNote = 0x102,     // master -> session: send a lease break (LeaseBreakNote)
  kBreakResolvedNote = 0x104,  // master -> session: a waiting CREATE may retry (BreakResolved)
  kReadCachesNote = 0x106,     // master -> session: others cache reads of this open's file
  kCachingWriteNote = 0x108,   // session -> master: an open wrote (break others' read caches)
  kCachingBreakNote = 0x10A,   // session -> master: break others' caching (CachingBreak; rename)
  kDirChangedNote = 0x10C,     // session -> master: a directory's entries changed (DirChanged)
};

// Notifications: messages with seq 0 that get no answer, from the master to a
// session unasked (an oplock break for one of its opens, ...) or the other
// way. Their types are even and at least kFirstNotification, so a session can
// tell them from the answer it waits for (smbd-session/master_link.h).
constexpr uint16_t kFirstNotification = 0x100;

enum class Role : uint32_t { kSession = 1, kAuth = 2, kRpc = 3 };

constexpr size_t kMaxConfigText = 100 * 1024;
constexpr size_t kInterfaceEntrySize = 30, kMaxInterfaceBytes = 64 * kInterfaceEntrySize;

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
  // For FSCTL_QUERY_NETWORK_INTERFACE_INFO (smbd-master/interface_list.h):
  // packed entries of kInterfaceEntrySize bytes.
  std::vector<uint8_t> interfaces;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.str(m.config_text, kMaxConfigText);
    io.str(m.passdb_path, 4096);
    io.str(m.client_ip, 64);
    io.u32(m.client_port);
    io.u64(m.connection_id);
    io.u32(m.log_level);
    io.blob(m.interfaces, kMaxInterfaceBytes);
  }
  bool validate() const {
    return client_port <= 65535 && log_level <= 3 && interfaces.size() % kInterfaceEntrySize == 0;
  }
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
  uint8_t delete_on_close = 0;  // the open was delete-on-close: the file becomes delete pending
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.u8(m.delete_on_close);
  }
  bool validate() const { return delete_on_close <= 1; }
  void encode(ByteWriter& w) const;
  static std::optional<ShareClose> decode(Bytes b);
};
// ShareCloseAnswer is a StatusAnswer: success, or kStatusDeleteFile when the
// closed open was the last of a delete-pending file, which the closer then
// removes (MS-FSA 2.1.5.4). Never sent to a client.
constexpr uint32_t kStatusDeleteFile = 0x00000001;

// SET_INFO FileDispositionInformation(Ex) of an open: the file's delete
// pending state for every open of it, in every session.
struct DeletePending {
  uint64_t open_id = 0;
  uint8_t pending = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.u8(m.pending);
  }
  bool validate() const { return pending <= 1; }
  void encode(ByteWriter& w) const;
  static std::optional<DeletePending> decode(Bytes b);
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

// An open with its caching request (MS-SMB2 3.3.5.9): the share-mode
// registration of ShareOpen plus the oplock level or lease asked for.
struct CachingOpen {
  ShareOpen share;
  uint64_t wait_id = 0;       // names this CREATE in a later BreakResolved
  uint8_t oplock = 0;         // requested OplockLevel (0, 1, 8, 9, 0xFF lease)
  uint8_t lease_version = 0;  // 0 no lease context, 1, 2
  uint8_t flags = 0;          // kCacheFlag*
  uint32_t lease_state = 0;   // requested R/H/W bits
  uint32_t epoch = 0;         // v2 request epoch
  std::array<uint8_t, 16> client_guid{}, lease_key{}, parent_key{};
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    ShareOpen::fields(m.share, io);
    io.u64(m.wait_id);
    io.u8(m.oplock);
    io.u8(m.lease_version);
    io.u8(m.flags);
    io.u32(m.lease_state);
    io.u32(m.epoch);
    io.fixed(m.client_guid);
    io.fixed(m.lease_key);
    io.fixed(m.parent_key);
  }
  bool validate() const {
    return share.validate() && lease_version <= 2 && (lease_state & ~7u) == 0 && epoch <= 0xFFFF &&
           (flags & ~7u) == 0;
  }
  void encode(ByteWriter& w) const;
  static std::optional<CachingOpen> decode(Bytes b);
};
constexpr uint8_t kCacheFlagDirectory = 1, kCacheFlagOverwrite = 2, kCacheFlagParentKey = 4;
constexpr uint32_t kStatusPendingBreak = 0x00000103;  // STATUS_PENDING: wait for BreakResolved

struct CachingOpenAnswer {
  uint32_t status = 0;        // success, sharing violation, kStatusPendingBreak, ...
  uint8_t oplock = 0;         // granted OplockLevel (0xFF: lease, see below)
  uint8_t others_read = 0;    // other opens cache reads: tell the master on the first write
  uint32_t lease_state = 0;
  uint32_t lease_flags = 0;   // SMB2_LEASE_FLAG_BREAK_IN_PROGRESS
  uint32_t epoch = 0;
  uint8_t lease_version = 0;  // the lease's version (its first open's context: 1 or 2)
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.status);
    io.u8(m.oplock);
    io.u8(m.others_read);
    io.u32(m.lease_state);
    io.u32(m.lease_flags);
    io.u32(m.epoch);
    io.u8(m.lease_version);
  }
  void encode(ByteWriter& w) const;
  static std::optional<CachingOpenAnswer> decode(Bytes b);
};

struct OplockAck {
  uint64_t open_id = 0;
  uint8_t level = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.u8(m.level);
  }
  void encode(ByteWriter& w) const;
  static std::optional<OplockAck> decode(Bytes b);
};
// OplockAckAnswer and LeaseAckAnswer: the status and the level now held.
struct LevelAnswer {
  uint32_t status = 0;
  uint32_t level = 0;         // oplock level or lease state now held
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.status);
    io.u32(m.level);
  }
  void encode(ByteWriter& w) const;
  static std::optional<LevelAnswer> decode(Bytes b);
};

struct LeaseAck {
  std::array<uint8_t, 16> client_guid{}, lease_key{};
  uint32_t lease_state = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.fixed(m.client_guid);
    io.fixed(m.lease_key);
    io.u32(m.lease_state);
  }
  void encode(ByteWriter& w) const;
  static std::optional<LeaseAck> decode(Bytes b);
};

struct OplockBreakNote {
  uint64_t open_id = 0;
  uint8_t level = 0;          // break to
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.u8(m.level);
  }
  void encode(ByteWriter& w) const;
  static std::optional<OplockBreakNote> decode(Bytes b);
};

struct LeaseBreakNote {
  uint64_t open_id = 0;       // one open of the lease (whose session protects the message)
  std::array<uint8_t, 16> lease_key{};
  uint32_t epoch = 0;
  uint32_t flags = 0;         // SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED
  uint32_t current = 0, next = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.fixed(m.lease_key);
    io.u32(m.epoch);
    io.u32(m.flags);
    io.u32(m.current);
    io.u32(m.next);
  }
  void encode(ByteWriter& w) const;
  static std::optional<LeaseBreakNote> decode(Bytes b);
};

// An open asks that the other leases of its file lose `remove` (R/H/W
// bits), without waiting (a rename breaks handle caching).
struct CachingBreak {
  uint64_t open_id = 0;
  uint32_t remove = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.u32(m.remove);
  }
  bool validate() const { return (remove & ~7u) == 0; }
  void encode(ByteWriter& w) const { write_fields(*this, w); }
  static std::optional<CachingBreak> decode(Bytes b) { return read_fields<CachingBreak>(b); }
};

// A client changed a directory's entries (created, deleted or renamed one,
// or closed a file it modified): the directory leases on it break to none,
// except the lease the change's own open named as its parent lease key
// (MS-SMB2 3.3.4.7, 3.3.5.9.11; docs/state.md).
struct DirChanged {
  uint64_t dev = 0, ino = 0;  // the directory
  std::array<uint8_t, 16> client_guid{}, parent_key{};
  uint8_t has_parent = 0;     // parent_key names a lease to spare
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.dev);
    io.u64(m.ino);
    io.fixed(m.client_guid);
    io.fixed(m.parent_key);
    io.u8(m.has_parent);
  }
  bool validate() const { return has_parent <= 1; }
  void encode(ByteWriter& w) const { write_fields(*this, w); }
  static std::optional<DirChanged> decode(Bytes b) { return read_fields<DirChanged>(b); }
};

// BreakResolved, ReadCaches and CachingWrite carry one id (wait id / open id).
struct IdNote {
  uint64_t id = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.id);
  }
  void encode(ByteWriter& w) const;
  static std::optional<IdNote> decode(Bytes b);
};

// Session reconnect (0x140-0x14E; MS-SMB2 3.3.5.5.3 PreviousSessionId).
// A session that authenticated with a PreviousSessionId owned by another
// connection asks the master to end it; the master forwards the request to
// the connection the SessionId names (its bits 40-63 are that connection's id,
// smbd-session/cmd_session_setup.cc), which logs the session off only if it
// belongs to the same Unix user and is not a guest or anonymous session.
// The request form, kLogoffPrevious, is answered once the note is on its way
// to the owner, so the client's next request on the old connection finds the
// old session ended (smbtorture durable-open.reopen1a under load).
enum SessionNoteType : uint16_t {
  kLogoffPreviousNote = 0x140,  // session -> master (LogoffPrevious), no answer
  kLogoffSessionNote = 0x142,   // master -> the owning session (LogoffPrevious)
  // smbd-auth -> master, on its own channel: a connection's session channel
  // completed a logon as this Unix user (Authenticated). The master forwards
  // a LogoffPrevious only with a uid smbd-auth vouched for on the sender's
  // connection, so a compromised session cannot name another user (docs/trust.md).
  kAuthenticatedNote = 0x144,
};

struct Authenticated {
  uint64_t connection_id = 0;
  uint32_t uid = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.connection_id);
    io.u32(m.uid);
  }
  bool validate() const { return connection_id != 0 && uid != 0; }
  void encode(ByteWriter& w) const { write_fields(*this, w); }
  static std::optional<Authenticated> decode(Bytes b) { return read_fields<Authenticated>(b); }
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

// Multichannel (requests 60-61, notifications 0x160-0x16E; docs/multichannel.md).
// A SESSION_SETUP with SMB2_SESSION_FLAG_BINDING for a session another
// process owns: the process that received it hands its client socket (passed
// with SCM_RIGHTS) and the connection state it negotiated to the master,
// which forwards both to the connection the SessionId names. The master only
// routes; the owner checks everything (dialect, ClientGuid, signature, user)
// and answers the client on the adopted socket itself.
enum ChannelType : uint16_t {
  kChannelHandoff = 60, kChannelHandoffAnswer = 61,  // ChannelHandoff + client fd -> StatusAnswer
};
enum ChannelNoteType : uint16_t {
  kChannelAdoptNote = 0x160,  // master -> the owning session: ChannelHandoff + the client fd
};

constexpr size_t kMaxChannelState = 96 * 1024;

struct ChannelHandoff {
  uint64_t session_id = 0;     // the SessionId of the binding request
  uint64_t from_conn = 0;      // set by the master in the note (ignored from a session)
  std::vector<uint8_t> state;  // smbd-session/channel_state.h; opaque to the master
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.session_id);
    io.u64(m.from_conn);
    io.blob(m.state, kMaxChannelState);
  }
  bool validate() const { return session_id != 0 && !state.empty(); }
  void encode(ByteWriter& w) const { write_fields(*this, w); }
  static std::optional<ChannelHandoff> decode(Bytes b) { return read_fields<ChannelHandoff>(b); }
};

}  // namespace cifsd::ipc::master
