#pragma once
// Asynchronous operations (MS-SMB2 3.3.4.2, 3.3.4.3, 3.3.5.16) and messages
// the server sends unasked (oplock and lease breaks, 3.3.4.6/3.3.4.7).
//
// A handler that cannot finish now (a CREATE waiting for an oplock break, a
// blocking LOCK, CHANGE_NOTIFY) calls go_async() and returns status::kPending.
// The engine then sends the interim response (STATUS_PENDING, the ASYNC flag,
// the AsyncId, the credits granted, unsigned as 3.3.4.2 says) in the request's
// place, and the handler's code later sends the final response with
// complete_async(), from whatever event finished the work (a master
// notification, a timer, inotify, ...). The final response carries the AsyncId
// and CreditResponse 0, and is signed or encrypted as the request was.
//
// Every op has an `on_end` callback, called when the op must end before its
// work did: CANCEL from the client, CLOSE of the open it waits on, tree
// disconnect, logoff. on_end must complete the op (complete_async) with the
// status the command's rules give (STATUS_CANCELLED for a cancelled wait,
// STATUS_NOTIFY_CLEANUP for a change notify whose handle closed, ...), and
// drop whatever it registered elsewhere. For kTeardown (the connection is
// going away) it must only release its resources: nothing is sent.
#include <cstdint>
#include <functional>

#include "smbd-session/request.h"

namespace cifsd::session {

enum class AsyncEnd { kCancel, kClose, kTreeDisconnect, kLogoff, kTeardown };

struct AsyncOp {
  uint64_t async_id = 0;
  uint64_t message_id = 0;
  uint64_t session_id = 0;
  uint32_t tree_id = 0;
  uint16_t command = 0;
  uint16_t credit_charge = 0;
  uint64_t open_volatile = 0;     // the open the op belongs to, 0 if none
  bool sign = false;              // the final response is signed
  uint64_t encrypt_session = 0;   // the final response is encrypted with this session's key
  std::function<void(AsyncEnd)> on_end;
  // Runs after the final response was sent (the engine continues a compound
  // whose later requests waited for this one).
  std::function<void(NtStatus, Bytes)> then;
};

// The most async ops one connection may have outstanding; beyond it a handler
// fails the request with STATUS_INSUFFICIENT_RESOURCES (3.3.4.2 allows it).
constexpr size_t kMaxAsyncOps = 1024;

// Registers `req` as an async op and returns its AsyncId, or 0 if the
// connection has too many (the handler then fails the request). `open_volatile`
// ties the op to an open so that CLOSE of that open ends it.
uint64_t go_async(Request& req, uint64_t open_volatile, std::function<void(AsyncEnd)> on_end);

// True while the op exists (not completed or ended yet).
bool async_pending(const Connection& c, uint64_t async_id);

// Sends the final response of an async op and forgets it. For an error status
// the body is replaced by the standard error body unless keep_body is set.
// Does nothing if the op is gone (completed or ended already).
void complete_async(Connection& c, uint64_t async_id, NtStatus st, Bytes body, bool keep_body = false);

// Ends ops early (see on_end above). Each op's on_end runs once.
void end_async_for_open(Connection& c, uint64_t open_volatile);
void end_async_for_tree(Connection& c, uint64_t session_id, uint32_t tree_id);
void end_async_for_session(Connection& c, uint64_t session_id);
void end_all_async(Connection& c);

// SMB2 CANCEL (3.3.5.16): finds the op by AsyncId (ASYNC flag set) or by
// MessageId within the same session, and ends it with kCancel. No response.
void cancel_request(Connection& c, const Smb2Header& h);

// An unsolicited message (MessageId 0xFFFFFFFFFFFFFFFF, SessionId 0, TreeId 0,
// no credits), e.g. an OPLOCK_BREAK notification. `key_session` names the
// session whose keys protect it: encrypted if that session encrypts, signed if
// `sign` and the session can sign; 0 sends it in the clear.
void send_notification(Connection& c, uint64_t key_session, uint16_t command, Bytes body,
                       bool sign = false);

}  // namespace cifsd::session
