// fuzz-sources: common/ipc/lock_proto.cc common/ipc/master_proto.cc common/ipc/channel.cc common/log/log.cc smbd-master/share_modes.cc smbd-master/session_protocol.cc smbd-master/byte_locks.cc smbd-master/lock_broker.cc smbd-master/durable_store.cc smbd-master/durable_broker.cc smbd-master/caching.cc common/util/utf16.cc
// The byte-range lock and durable-handle family of the master channel
// (common/ipc/lock_proto.h), as a compromised session could send it: packets
// from four connections go through the frame parser and the master's routing
// (sessions.cc: durable frames, lock frames, the lock hooks around the share
// open/close frames), with an occasional connection drop. Checks: answers
// match their request type and decode; every notification decodes; the lock
// and share tables are empty once every connection is gone; strict decoders
// re-encode what they accept to the same bytes.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/ipc/channel.h"
#include "common/ipc/lock_proto.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "smbd-master/byte_locks.h"
#include "smbd-master/caching.h"
#include "smbd-master/durable_broker.h"
#include "smbd-master/durable_store.h"
#include "smbd-master/lock_broker.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/share_modes.h"
#include "tests/fuzz/codec_roundtrip.h"

using namespace cifsd;
using namespace cifsd::ipc::master;

namespace {

using fuzz::roundtrip;

void check_notes(const std::vector<master::Notify>& notes) {
  for (const master::Notify& n : notes) {
    if (n.conn_id == 0) abort();  // connection ids start at 1
    bool ok = n.type == kLockGrantedNote ? LockGranted::decode(n.payload).has_value()
              : n.type == kLockStateNote ? LockState::decode(n.payload).has_value()
                                         : true;  // caching notes are master_ipc's
    if (!ok) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = [] { log::init("fuzz", false, log::kError); return true; }();
  (void)init;
  master::ShareModeTable shares;
  master::ByteLockTable locks(64);
  master::DurableStore durable(8);
  master::CachingTable caching;
  master::SessionState states[4];
  for (uint64_t i = 0; i < 4; i++) {
    states[i].conn_id = i + 1;
    states[i].hello_done = true;
  }
  const std::vector<uint8_t> hello_answer = {0};
  int64_t now = 1000;
  size_t pos = 0;
  // Input: repeated [u8 conn/flags][u16 len][len bytes packet]. Flags: bit 2
  // passes a descriptor (/dev/null) with the packet (DurablePark carries one),
  // bit 3 drops the connection after the packet.
  while (pos + 3 <= size) {
    uint8_t sel = data[pos];
    uint64_t conn = (sel & 3) + 1;
    size_t len = size_t(data[pos + 1]) | (size_t(data[pos + 2]) << 8);
    pos += 3;
    if (len > size - pos) len = size - pos;
    Bytes packet(data + pos, len);
    pos += len;
    ipc::Message m;
    if (ipc::parse_packet(packet, kVersion, &m) != ipc::RecvStatus::kOk) continue;
    if (sel & 4) m.fd = UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    now += 250;
    master::durable_expire(shares, durable, now);
    master::SessionAction a;
    std::vector<master::Notify> notes;
    UniqueFd answer_fd;
    size_t opens_before = shares.opens_of_connection(conn);
    // The same routing as Master::handle_session_message.
    master::durable_before_open(m, shares, durable);
    if (master::is_durable_frame(m.type)) {
      a = master::handle_durable_frame(conn, m, shares, durable, caching, now, &answer_fd);
    } else if (master::is_lock_frame(m.type) && !m.fd) {
      a = master::handle_lock_frame(conn, m, shares, locks);
    } else {
      master::locks_before_frame(conn, m, shares, locks, &notes);
      a = master::handle_session_frame(states[conn - 1], m, shares, hello_answer, 16, &caching, now);
      if (a.kind != master::SessionAction::kViolation)
        master::locks_after_frame(conn, opens_before, shares, locks, &notes);
    }
    if (a.kind == master::SessionAction::kAnswer) {
      if (a.type != (m.type | 1)) abort();
      if (a.type == kDurableReclaimAnswer) {
        if (!DurableReclaimAnswer::decode(a.payload)) abort();
      } else if (master::is_lock_frame(m.type) || master::is_durable_frame(m.type)) {
        if (!StatusAnswer::decode(a.payload)) abort();
      }
    }
    if (answer_fd.valid() && a.type != kDurableReclaimAnswer) abort();  // fds only with a reclaim
    check_notes(a.notify);
    check_notes(notes);
    if (shares.opens_of_connection(conn) > 16) abort();
    switch (m.type) {
      case kLock: roundtrip<LockRequest>(m.body()); break;
      case kLockCancel: roundtrip<LockCancel>(m.body()); break;
      case kLockCheck: roundtrip<LockCheck>(m.body()); break;
      case kDurablePark: roundtrip<DurablePark>(m.body()); break;
      case kDurableDrop: roundtrip<DurableDrop>(m.body()); break;
      case kDurableReclaim: roundtrip<DurableReclaim>(m.body()); break;
      case kDurableReclaimAnswer: roundtrip<DurableReclaimAnswer>(m.body()); break;
      case kLockGrantedNote: roundtrip<LockGranted>(m.body()); break;
      case kLockStateNote: roundtrip<LockState>(m.body()); break;
      default: break;
    }
    if (a.kind == master::SessionAction::kViolation || (sel & 8)) {
      // The session dies: the order of Master::session_channel_closed.
      master::durable_on_disconnect(conn, shares, durable, now);
      std::vector<master::LockGrant> grants;
      std::vector<master::LockFileKey> files = locks.drop_connection(conn, &grants);
      shares.drop_connection(conn);
      std::vector<master::Notify> after;
      caching.drop_connection(conn, &after);
      master::locks_after_drop(grants, files, shares, locks, &after);
      check_notes(after);
      states[conn - 1].hello_done = true;
    }
  }
  for (uint64_t c = 1; c <= 4; c++) {
    master::durable_on_disconnect(c, shares, durable, now);
    std::vector<master::LockGrant> grants;
    std::vector<master::LockFileKey> files = locks.drop_connection(c, &grants);
    shares.drop_connection(c);
    std::vector<master::Notify> after;
    caching.drop_connection(c, &after);
    master::locks_after_drop(grants, files, shares, locks, &after);
  }
  // Parked durable handles keep their share records until they expire.
  master::durable_expire(shares, durable, now + (int64_t(1) << 40));
  if (locks.lock_count() || locks.waiter_count()) abort();
  if (shares.open_count() != 0) abort();
  return 0;
}
