#pragma once
// Synchronous clients for the helper channels. Every call is bounded in time
// (a helper that hangs gives the client a clean error) and answers are decoded
// strictly. A closed channel is replaced through the master (kNewChannel) on
// the next call, so a restarted helper serves later requests.
#include <string>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "common/ipc/master_proto.h"
#include "smbd-session/connection.h"

namespace cifsd::session {

// Greets a helper on its channel (first message after start or a new channel).
bool helper_hello(Connection& c, ipc::master::Role helper);

// smbd-auth
NtStatus auth_neg_token(Connection& c, std::vector<uint8_t>* blob);
NtStatus auth_session_setup(Connection& c, const ipc::auth::SessionSetup& req,
                            ipc::auth::SessionSetupAnswer* ans);
void auth_release(Connection& c, uint64_t context);

// smbd-rpc (named pipes on IPC$)
NtStatus rpc_open(Connection& c, const std::string& pipe, const std::string& user, uint32_t* handle);
NtStatus rpc_write(Connection& c, uint32_t handle, Bytes data);
// Returns kSuccess, kBufferOverflow (more data waits) or an error.
NtStatus rpc_read(Connection& c, uint32_t handle, uint32_t max, std::vector<uint8_t>* out);
NtStatus rpc_transceive(Connection& c, uint32_t handle, Bytes in, uint32_t max,
                        std::vector<uint8_t>* out);
void rpc_close(Connection& c, uint32_t handle);

// smbd-master: share-mode broker
NtStatus broker_share_open(Connection& c, const ipc::master::ShareOpen& req);
// Forgets an open in the broker. `delete_on_close`: the open was
// delete-on-close, so the file becomes delete pending as it closes. True
// when the caller must remove the file: it closed the last open of a
// delete-pending file (MS-FSA 2.1.5.4).
bool broker_share_close(Connection& c, uint64_t open_id, bool delete_on_close = false);
// SET_INFO disposition: the file's delete-pending state for all its opens.
NtStatus broker_delete_pending(Connection& c, uint64_t open_id, bool pending);

}  // namespace cifsd::session
