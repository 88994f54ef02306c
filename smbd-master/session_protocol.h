#pragma once
// The master's side of one session channel as a pure state machine: given a
// decoded frame, what to answer, or that the session broke the contract.
// Kept free of sockets and processes so tests/unit/master can drive it.
#include <cstdint>
#include <vector>

#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"
#include "smbd-master/share_modes.h"

namespace cifsd::master {

struct SessionState {
  uint64_t conn_id = 0;
  bool hello_done = false;
  uint32_t logoff_previous_notes = 0;  // reconnect requests forwarded so far
  // The Unix users smbd-auth vouched for on this connection
  // (kAuthenticatedNote); a LogoffPrevious naming another uid is dropped.
  const std::vector<uint32_t>* vouched_uids = nullptr;
};

// At most this many distinct vouched users are remembered per connection;
// later ones simply cannot end previous sessions (MS-SMB2 allows the server
// to ignore PreviousSessionId).
constexpr size_t kMaxVouchedUids = 64;

// A connection may ask to end at most this many previous sessions (one per
// session it authenticates, at most 128 of those), so it cannot flood others.
constexpr uint32_t kMaxLogoffPreviousNotes = 256;

// A notification for some session (this one or another): sent with seq 0
// and no answer expected (ipc::master::kFirstNotification).
struct Notify {
  uint64_t conn_id = 0;
  uint16_t type = 0;
  std::vector<uint8_t> payload;
};

struct SessionAction {
  enum Kind {
    kViolation,    // kill the session
    kAnswer,       // send `type` with `payload`
    kNewChannel,   // the caller attaches a fresh channel to `helper` and answers
    kNone,         // no answer (the frame was a notification from the session)
  };
  Kind kind = kViolation;
  uint16_t type = 0;
  std::vector<uint8_t> payload;
  ipc::master::Role helper = ipc::master::Role::kAuth;
  // Sent after the answer, in order (e.g. oplock breaks this open caused).
  std::vector<Notify> notify;
};

constexpr uint32_t kStatusTooManyOpenedFiles = 0xC000011F;

class CachingTable;

// `hello_answer` is the encoded HelloAnswer for this session; `max_opens`
// bounds its records in the broker. With `caching` (smbd-master/caching.h)
// the oplock/lease messages are served too; `now_ms` is a monotonic clock.
SessionAction handle_session_frame(SessionState& st, const ipc::Message& m, ShareModeTable& broker,
                                   const std::vector<uint8_t>& hello_answer, uint32_t max_opens,
                                   CachingTable* caching = nullptr, int64_t now_ms = 0);

std::vector<uint8_t> status_payload(uint32_t status);

}  // namespace cifsd::master
