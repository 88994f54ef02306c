// fuzz-sources: common/ipc/master_proto.cc common/ipc/channel.cc common/log/log.cc smbd-master/share_modes.cc smbd-master/session_protocol.cc smbd-master/caching.cc
// Feeds a stream of children->master packets through the frame parser, every
// master_proto decoder, the master's per-session state machine
// (session_protocol) and so the broker's share-mode table, checking the
// bookkeeping invariants as it goes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"
#include "smbd-master/caching.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/share_modes.h"
#include "tests/fuzz/codec_roundtrip.h"

using namespace cifsd;
using namespace cifsd::ipc::master;

namespace {

using fuzz::roundtrip;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  master::ShareModeTable table;
  master::CachingTable caching;
  int64_t now = 0;
  master::SessionState states[4] = {{0, false}, {1, false}, {2, false}, {3, true}};
  // Connections 2 and 3 have users smbd-auth vouched for (reconnect notes).
  static const std::vector<uint32_t> vouched = {1000, 1001};
  states[2].vouched_uids = states[3].vouched_uids = &vouched;
  const std::vector<uint8_t> hello_answer = {0};
  size_t pos = 0;
  size_t opens = 0;
  // Input: repeated [u8 conn][u16 len][len bytes packet].
  while (pos + 3 <= size) {
    uint64_t conn = data[pos] % 4;
    size_t len = size_t(data[pos + 1]) | (size_t(data[pos + 2]) << 8);
    pos += 3;
    if (len > size - pos) len = size - pos;
    Bytes packet(data + pos, len);
    pos += len;
    ipc::Message m;
    if (ipc::parse_packet(packet, kVersion, &m) != ipc::RecvStatus::kOk) continue;
    Bytes body = m.body();
    // The state machine: a violation kills the session (drops its records).
    {
      size_t before = table.open_count();
      now += 100;  // the broker's clock moves; breaks time out now and then
      caching.set_break_timeout_ms(1000);
      master::SessionAction a =
          master::handle_session_frame(states[conn], m, table, hello_answer, 16, &caching, now);
      std::vector<master::Notify> expired;
      caching.expire(now, &expired);
      if (a.kind == master::SessionAction::kViolation) {
        caching.drop_connection(conn, &expired);
        table.drop_connection(conn);
        states[conn].hello_done = false;
      } else if (a.kind == master::SessionAction::kAnswer && a.type != (m.type | 1)) {
        abort();  // answers always match the request
      }
      for (const master::Notify& n : a.notify) {
        if (n.type != kLogoffSessionNote) continue;
        // Forwarded only with a uid smbd-auth vouched for on the sender's connection.
        auto lp = LogoffPrevious::decode(n.payload);
        if (!lp || !states[conn].vouched_uids ||
            std::find(vouched.begin(), vouched.end(), lp->uid) == vouched.end())
          abort();
      }
      if (table.open_count() > before + 1) abort();
      if (caching.open_count() > table.open_count()) abort();  // caching opens are share opens
      if (table.opens_of_connection(conn) > 16) abort();
      opens = table.open_count();
    }
    switch (m.type) {
      case kHello: roundtrip<Hello>(body); break;
      case kHelloAnswer: roundtrip<HelloAnswer>(body); break;
      // The state machine above already applied opens and closes to the
      // table (with the per-connection bound); here only the codecs.
      case kShareOpen: roundtrip<ShareOpen>(body); break;
      case kShareClose: roundtrip<ShareClose>(body); break;
      case kDeletePending: roundtrip<DeletePending>(body); break;
      case kLogoffPrevious: roundtrip<LogoffPrevious>(body); break;
      case kNewChannel: roundtrip<NewChannel>(body); break;
      case kAttach: roundtrip<Attach>(body); break;
      case kReload: roundtrip<Reload>(body); break;
      case kCachingOpen: roundtrip<CachingOpen>(body); break;
      case kOplockAck: roundtrip<OplockAck>(body); break;
      case kLeaseAck: roundtrip<LeaseAck>(body); break;
      case kCachingWriteNote: case kCachingWrite: roundtrip<IdNote>(body); break;
      case kCachingBreakNote: roundtrip<CachingBreak>(body); break;
      case kDirChangedNote: roundtrip<DirChanged>(body); break;
      case kLogoffPreviousNote: case kLogoffSessionNote: roundtrip<LogoffPrevious>(body); break;
      case kAuthenticatedNote: roundtrip<Authenticated>(body); break;
      case kOplockBreakNote: roundtrip<OplockBreakNote>(body); break;
      case kLeaseBreakNote: roundtrip<LeaseBreakNote>(body); break;
      case kCachingOpenAnswer: roundtrip<CachingOpenAnswer>(body); break;
      case kOplockAckAnswer: case kLeaseAckAnswer: roundtrip<LevelAnswer>(body); break;
      case kShareOpenAnswer: case kShareCloseAnswer: case kNewChannelAnswer:
      case kAttachAnswer: case kReloadAnswer: case kDeletePendingAnswer: case kLogoffPreviousAnswer: case kCachingWriteAnswer:
        roundtrip<StatusAnswer>(body);
        break;
      default:
        // A session dying drops its records.
        if (m.type == 0xffff) {
          std::vector<master::Notify> gone;
          caching.drop_connection(conn, &gone);
          opens -= table.drop_connection(conn);
        }
        break;
    }
    if (table.open_count() != opens) abort();
  }
  std::vector<master::Notify> gone;
  for (uint64_t c = 0; c < 4; ++c) {
    caching.drop_connection(c, &gone);
    opens -= table.drop_connection(c);
  }
  if (opens != 0 || table.open_count() != 0 || table.file_count() != 0) abort();
  // The caching table forgets everything with its connections too.
  if (caching.open_count() || caching.file_count() || caching.lease_count() ||
      caching.waiter_count())
    abort();
  return 0;
}
