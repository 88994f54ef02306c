#pragma once
// Wire contract, byte-range locks and durable handles on the master channel
// (smbd-session <-> smbd-master broker; docs/state.md). Same framing and
// codec as master_proto.h; types 40-59 (requests even, answers odd) and
// notifications 0x120-0x13E.
#include <cstdint>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/ipc/codec.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::ipc::master {

enum LockType : uint16_t {
  kLock = 40, kLockAnswer = 41,            // LockRequest -> StatusAnswer
  kLockCancel = 42, kLockCancelAnswer = 43,  // LockCancel -> StatusAnswer (NOT_FOUND: granted already)
  kLockCheck = 44, kLockCheckAnswer = 45,  // LockCheck -> StatusAnswer (FILE_LOCK_CONFLICT)
  // Durable handles (smbd-master/durable_store.h)
  kDurablePark = 46, kDurableParkAnswer = 47,        // DurablePark + the open's fd -> StatusAnswer
  kDurableDrop = 48, kDurableDropAnswer = 49,        // DurableDrop -> StatusAnswer
  kDurableReclaim = 50, kDurableReclaimAnswer = 51,  // DurableReclaim -> DurableReclaimAnswer + fd
  // The open's session was replaced by a reconnect (PreviousSessionId) while
  // this process lives: the handle waits disconnected, as if the process had
  // ended. DurableDrop -> StatusAnswer.
  kDurableDisconnect = 52, kDurableDisconnectAnswer = 53,
};

enum LockNote : uint16_t {
  kLockGrantedNote = 0x120,  // master -> session: a waiting lock was granted (LockGranted)
  kLockStateNote = 0x122,    // master -> session: a file of ours gained/lost its last lock (LockState)
};

// The most elements one request may carry (an SMB2 LOCK fits far fewer in
// its credit-bounded frame anyway).
constexpr size_t kMaxLockElements = 4096;
constexpr size_t kLockElementSize = 20;  // offset u64, length u64, flags u32

struct LockRequest {
  uint64_t open_id = 0;    // the ShareOpen open id
  uint64_t waiter_id = 0;  // != 0: a single blocking element may wait (answer STATUS_PENDING)
  std::vector<uint8_t> elements;  // kLockElementSize bytes each
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.u64(m.waiter_id);
    io.blob(m.elements, kMaxLockElements * kLockElementSize);
  }
  bool validate() const { return !elements.empty() && elements.size() % kLockElementSize == 0; }
  void encode(ByteWriter& w) const;
  static std::optional<LockRequest> decode(Bytes b);
};

struct LockCancel {
  uint64_t waiter_id = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.waiter_id);
  }
  void encode(ByteWriter& w) const;
  static std::optional<LockCancel> decode(Bytes b);
};

struct LockCheck {
  uint64_t open_id = 0;
  uint64_t offset = 0, length = 0;
  bool write = false;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    io.u64(m.offset);
    io.u64(m.length);
    io.flag(m.write);
  }
  void encode(ByteWriter& w) const;
  static std::optional<LockCheck> decode(Bytes b);
};

struct LockGranted {
  uint64_t waiter_id = 0;
  uint32_t status = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.waiter_id);
    io.u32(m.status);
  }
  void encode(ByteWriter& w) const;
  static std::optional<LockGranted> decode(Bytes b);
};

struct LockState {
  uint64_t dev = 0, ino = 0;
  bool locked = false;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.dev);
    io.u64(m.ino);
    io.flag(m.locked);
  }
  void encode(ByteWriter& w) const;
  static std::optional<LockState> decode(Bytes b);
};

constexpr size_t kMaxDurableName = 4096;

// The state of a durable open, as the session parks it and gets it back.
struct DurableInfo {
  uint64_t persistent_id = 0;
  std::array<uint8_t, 16> create_guid{};
  bool v2 = false;
  bool persistent = false;
  uint32_t timeout_ms = 0;
  uint32_t uid = 0;
  std::string user, domain, share, path;
  uint64_t dev = 0, ino = 0;
  uint32_t access = 0, share_access = 0, create_options = 0;
  uint8_t oplock_level = 0;
  bool is_dir = false;
  uint64_t position = 0;
  // A lease (oplock_level 0xFF): whose and which, what it held (restored at
  // reconnect, MS-SMB2 3.3.5.9.7/.12).
  std::array<uint8_t, 16> client_guid{}, lease_key{};
  uint32_t lease_state = 0, lease_epoch = 0;
  uint8_t lease_version = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.persistent_id);
    io.fixed(m.create_guid);
    io.flag(m.v2);
    io.flag(m.persistent);
    io.u32(m.timeout_ms);
    io.u32(m.uid);
    io.str(m.user, 256);
    io.str(m.domain, 256);
    io.str(m.share, 256);
    io.str(m.path, kMaxDurableName);
    io.u64(m.dev);
    io.u64(m.ino);
    io.u32(m.access);
    io.u32(m.share_access);
    io.u32(m.create_options);
    io.u8(m.oplock_level);
    io.flag(m.is_dir);
    io.u64(m.position);
    io.fixed(m.client_guid);
    io.fixed(m.lease_key);
    io.u32(m.lease_state);
    io.u32(m.lease_epoch);
    io.u8(m.lease_version);
  }
};

struct DurablePark {
  uint64_t open_id = 0;  // the ShareOpen open id
  DurableInfo info;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.open_id);
    DurableInfo::fields(m.info, io);
  }
  bool validate() const { return info.persistent_id != 0 && info.timeout_ms <= 300000; }
  void encode(ByteWriter& w) const;
  static std::optional<DurablePark> decode(Bytes b);
};

struct DurableDrop {
  uint64_t persistent_id = 0;
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.persistent_id);
  }
  void encode(ByteWriter& w) const;
  static std::optional<DurableDrop> decode(Bytes b);
};

struct DurableReclaim {
  uint64_t persistent_id = 0;
  std::array<uint8_t, 16> create_guid{};
  bool v2 = false;
  uint32_t uid = 0;
  std::string user, domain;
  uint64_t new_open_id = 0;  // the open id the reclaimed handle gets in the share table
  // The reconnecting connection's ClientGuid and the request's lease context
  // (a leased handle comes back only to its client with its key).
  std::array<uint8_t, 16> client_guid{}, lease_key{};
  bool with_lease = false;
  std::string name;  // the request's file name, '/'-separated (a leased handle's must match)
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u64(m.persistent_id);
    io.fixed(m.create_guid);
    io.flag(m.v2);
    io.u32(m.uid);
    io.str(m.user, 256);
    io.str(m.domain, 256);
    io.u64(m.new_open_id);
    io.fixed(m.client_guid);
    io.fixed(m.lease_key);
    io.flag(m.with_lease);
    io.str(m.name, kMaxDurableName);
  }
  void encode(ByteWriter& w) const;
  static std::optional<DurableReclaim> decode(Bytes b);
};

struct DurableReclaimAnswer {
  uint32_t status = 0;
  DurableInfo info;  // meaningful on success (the fd comes with the message)
  template <class M, class IO>
  static void fields(M& m, IO& io) {
    io.u32(m.status);
    DurableInfo::fields(m.info, io);
  }
  void encode(ByteWriter& w) const;
  static std::optional<DurableReclaimAnswer> decode(Bytes b);
};

}  // namespace cifsd::ipc::master
