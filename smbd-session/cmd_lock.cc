// SMB2 LOCK (MS-SMB2 3.3.5.14): byte-range locks held by the master's broker
// (smbd-master/byte_locks.h) for every session process. A blocking request
// becomes an async op (interim STATUS_PENDING) that completes when the broker
// grants it, or ends on CANCEL / CLOSE / tree disconnect / logoff.
#include "common/ipc/lock_proto.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "smbd-session/async.h"
#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/lock_client.h"
#include "smbd-session/master_link.h"
#include "smbd-session/oplock.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

namespace m = ipc::master;

constexpr uint32_t kFlagShared = 0x1, kFlagExclusive = 0x2, kFlagUnlock = 0x4, kFlagFailImmediately = 0x10;
constexpr size_t kElementSize = 24;
constexpr size_t kElementsAt = 24;  // after the fixed part of the body

void reply(ByteWriter& out) {
  out.u16(4);
  out.u16(0);
}

template <class Msg>
std::vector<uint8_t> encode(const Msg& msg) {
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  msg.encode(w);
  return buf;
}

NtStatus status_call(Connection& c, uint16_t type, const std::vector<uint8_t>& payload) {
  ipc::Message ans;
  if (!master_call(c, type, {payload.data(), payload.size()}, &ans)) return status::kInternalError;
  auto a = m::StatusAnswer::decode(ans.body());
  return a ? a->status : status::kInternalError;
}

// LockSequence replay detection applies to resilient opens, and from 3.0 on
// to durable ones too (3.3.5.14).
bool checks_sequence(const Connection& c, const Open& o) {
  if (c.dialect < 0x0210) return false;
  return o.is_resilient || (c.dialect >= 0x0300 && o.is_durable);
}

void record_sequence(Open& o, uint32_t index, uint8_t number) {
  if (index < 1 || index > 64) return;
  o.lock_seq[index - 1] = number;
  o.lock_seq_valid |= 1ull << (index - 1);
}

}  // namespace

NtStatus handle_lock(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.u16();  // StructureSize, checked by the engine
  uint16_t count = r.u16();
  uint32_t sequence = r.u32();
  FileId fid = read_file_id(r);
  if (!r.ok() || count == 0) return status::kInvalidParameter;
  Bytes elements;
  if (!ByteReader::range(req.body, kElementsAt, size_t(count) * kElementSize, &elements))
    return status::kInvalidParameter;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;
  if (open->is_pipe) return status::kInvalidDeviceRequest;
  if (open->is_directory || !open->broker_id) return status::kInvalidParameter;

  const uint32_t seq_index = sequence >> 4;
  const uint8_t seq_number = uint8_t(sequence & 0xF);
  const bool seq = checks_sequence(req.conn, *open) && seq_index >= 1 && seq_index <= 64;
  if (seq) {
    const uint64_t bit = 1ull << (seq_index - 1);
    if ((open->lock_seq_valid & bit) && open->lock_seq[seq_index - 1] == seq_number) {
      reply(out);  // a replay of a request already done
      return status::kSuccess;
    }
    open->lock_seq_valid &= ~bit;
  }

  m::LockRequest lr;
  lr.open_id = open->broker_id;
  ByteReader er(elements);
  uint32_t first_flags = 0;
  for (uint16_t i = 0; i < count; i++) {
    uint64_t off = er.u64(), len = er.u64();
    uint32_t flags = er.u32();
    er.u32();  // Reserved
    if (i == 0) first_flags = flags;
    ByteWriter w(lr.elements);
    w.u64(off);
    w.u64(len);
    w.u32(flags);
  }
  if (!er.ok() || count > m::kMaxLockElements) return status::kInvalidParameter;

  // A single lock without FAIL_IMMEDIATELY may wait: it becomes async if the
  // broker cannot grant it now. The broker names the waiter by the AsyncId
  // go_async() is about to assign.
  const bool may_wait = count == 1 && !(first_flags & (kFlagUnlock | kFlagFailImmediately)) &&
                        (first_flags & (kFlagShared | kFlagExclusive)) && req.conn.loop &&
                        !req.async_id;
  Connection& c = req.conn;
  if (may_wait) lr.waiter_id = c.next_async_id;
  NtStatus st = status_call(c, m::kLock, encode(lr));
  if (st == status::kPending) {
    if (!may_wait) return status::kInternalError;  // the broker broke the contract
    const uint64_t waiter = lr.waiter_id;
    const uint64_t volatile_id = open->id.volatile_;
    auto on_end = [&c, waiter, volatile_id](AsyncEnd why) {
      lock_wait_take(c, waiter);
      // Granted while we were deciding? Then the lock is held: say so.
      NtStatus cancel = status_call(c, m::kLockCancel, encode(m::LockCancel{waiter}));
      if (why == AsyncEnd::kTeardown) return;
      NtStatus final_st = cancel != status::kSuccess ? status::kSuccess
                          : why == AsyncEnd::kCancel  ? status::kCancelled
                                                      : status::kRangeNotLocked;
      std::vector<uint8_t> body;
      ByteWriter w(body);
      reply(w);
      complete_async(c, waiter, final_st, {body.data(), body.size()});
      (void)volatile_id;
    };
    uint64_t id = go_async(req, volatile_id, on_end);
    if (id != waiter) {
      // Too many async ops (or an id we did not expect): take the wait back.
      status_call(c, m::kLockCancel, encode(m::LockCancel{waiter}));
      if (id) complete_async(c, id, status::kInsufficientResources, {});
      return status::kInsufficientResources;
    }
    lock_wait_register(c, waiter, [&c, waiter, volatile_id, seq, seq_index, seq_number](NtStatus s) {
      if (s == status::kSuccess && seq) {
        for (auto& [sid, sess] : c.sessions)
          for (auto& [tid, t] : sess->trees) {
            auto it = t->opens.find(volatile_id);
            if (it != t->opens.end()) record_sequence(*it->second, seq_index, seq_number);
          }
      }
      std::vector<uint8_t> body;
      ByteWriter w(body);
      reply(w);
      complete_async(c, waiter, s, {body.data(), body.size()});
    });
    return status::kPending;
  }
  if (st != status::kSuccess) return st;
  if (seq) record_sequence(*open, seq_index, seq_number);
  // A new byte-range lock breaks level II oplocks and other read leases,
  // the locker's own level II too (MS-FSA 2.1.4.12; oplock.h).
  if (!(first_flags & 0x4)) caching_wrote(req.conn, *open);
  reply(out);
  return status::kSuccess;
}

}  // namespace cifsd::session
