#pragma once
// The contract between the SMB2 engine (framing, compounds, credits, signing,
// dispatch) and the per-command handlers (one file per command).
//
// The engine parses and validates the 64-byte header, checks the command's
// preconditions from the command table (structure size, session, tree, file
// id) and only then calls the handler with:
//   - req.body: the request body (after the header, up to NextCommand or the
//     end of the PDU), already checked to be at least StructureSize-1 long
//     (StructureSize counts one byte of the variable buffer);
//   - req.pdu: the whole PDU starting at the header, because buffer offsets
//     on the wire are relative to the header.
// The handler writes the response body (without the header) into `out` and
// returns the NTSTATUS for the header. For an error status the engine replaces
// whatever was written with the standard 9-byte error body, except for
// statuses that carry a real body (kBufferOverflow on READ/QUERY_INFO/IOCTL,
// kMoreProcessingRequired on SESSION_SETUP), where `out` is sent as written.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/ipc/auth_proto.h"
#include "common/smb/ntstatus.h"
#include "common/util/unique_fd.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {

struct Smb2Header {
  uint16_t credit_charge = 0;
  uint32_t status = 0;         // ChannelSequence/Reserved in requests
  uint16_t command = 0;
  uint16_t credits = 0;        // requested
  uint32_t flags = 0;
  uint32_t next_command = 0;
  uint64_t message_id = 0;
  uint64_t async_id = 0;
  uint32_t tree_id = 0;
  uint64_t session_id = 0;
  uint8_t signature[16] = {};
};

// The 128-bit SMB2 file id: persistent and volatile halves.
struct FileId {
  uint64_t persistent = 0;
  uint64_t volatile_ = 0;
  bool operator==(const FileId&) const = default;
  bool is_related_placeholder() const { return persistent == ~0ull && volatile_ == ~0ull; }
};

struct Connection;
struct Session;
struct Tree;
namespace streams { struct StreamOpen; }

// One open file, directory or pipe. Owned by its Tree.
struct Open {
  FileId id;
  UniqueFd fd;                 // O_PATH for opens without data access, else a real fd
  std::string path;            // share-relative, '/'-separated, "" is the share root
  bool is_directory = false;
  bool is_pipe = false;
  uint32_t pipe_handle = 0;    // smbd-rpc handle for a named pipe
  uint32_t access = 0;         // granted access mask
  uint32_t share_access = 0;
  uint32_t create_options = 0;
  bool delete_on_close = false;
  uint64_t broker_id = 0;      // the master's share-mode record, 0 if none
  uint64_t dev = 0, ino = 0;
  uint64_t position = 0;       // FilePositionInformation
  // QUERY_DIRECTORY cursor (owned by the directory-listing code)
  std::shared_ptr<void> dir_cursor;
  uint8_t oplock_level = 0;
  // Set for an open of a named stream (streams/stream_open.h): `fd` is then
  // the base file's or directory's fd and the data lives in the stream.
  std::shared_ptr<streams::StreamOpen> stream;
  // LOCK replay detection (MS-SMB2 3.3.5.14 Open.LockSequenceArray): the
  // last sequence number per index 1..64, valid where the bit is set.
  std::array<uint8_t, 64> lock_seq{};
  uint64_t lock_seq_valid = 0;
  // Directory leases (oplock.h caching_dir_changed): the parent directory
  // the open was made in, the parent lease key its lease named (changes it
  // makes spare that directory lease), and whether it changed the file's
  // data or size (its close then changes the directory entry).
  uint64_t parent_dev = 0, parent_ino = 0;
  std::array<uint8_t, 16> parent_lease_key{};
  bool has_parent_lease = false;
  bool modified = false;
  bool is_durable = false;     // Open.IsDurable (durable.h)
  bool is_resilient = false;   // Open.IsResilient
};

struct Tree {
  uint32_t id = 0;
  const ShareConfig* share = nullptr;
  UniqueFd root;               // O_PATH|O_DIRECTORY fd of the share root
  bool writable = false;       // after read only / read list / write list
  bool is_ipc = false;
  bool encrypt = false;        // the share requires encrypted requests
  uint32_t maximal_access = 0;
  std::map<uint64_t, std::unique_ptr<Open>> opens;  // by volatile id
};

struct Session {
  uint64_t id = 0;
  enum class State { kInProgress, kValid, kExpired } state = State::kInProgress;
  uint64_t auth_context = 0;   // smbd-auth context while in progress
  ipc::auth::Identity identity;
  std::array<uint8_t, 16> session_key{};
  bool has_key = false;
  bool signing_required = false;
  bool encrypt = false;
  std::vector<uint8_t> signing_key;      // derived per dialect
  std::vector<uint8_t> encryption_key;   // server->client (ServerOut)
  std::vector<uint8_t> decryption_key;   // client->server (ServerIn)
  std::vector<uint8_t> application_key;
  std::array<uint8_t, 64> preauth_hash{};  // 3.1.1 session preauth integrity hash
  std::map<uint32_t, std::unique_ptr<Tree>> trees;
  uint32_t next_tree_id = 1;
  uint16_t session_flags = 0;            // SMB2_SESSION_FLAG_IS_GUEST / IS_NULL
  uint16_t dialect_signing_alg = 0;      // crypto::SignAlg chosen at key derivation
  // CLOCK_MONOTONIC ms at which the session expires ("session expiry"); 0: never.
  int64_t expires_at_ms = 0;
};

struct Request {
  Connection& conn;
  Smb2Header hdr;
  Bytes pdu;                   // header + body of this command
  Bytes body;                  // after the header
  Session* session = nullptr;  // set when the command table says it needs one
  Tree* tree = nullptr;        // set when the command table says it needs one
  // Related compound requests inherit the previous command's file id.
  FileId* compound_file_id = nullptr;
  uint32_t credits_to_grant = 0;  // filled in by the engine
  // Set by a handler whose response must be signed even if the session does
  // not sign everything (final SESSION_SETUP for 3.x, VALIDATE_NEGOTIATE).
  bool force_sign = false;
  // Set by a handler whose error status carries a real body (e.g. the
  // COPYCHUNK limits with STATUS_INVALID_PARAMETER).
  bool keep_error_body = false;
  // The session whose key decrypted this request (0: it came in the clear).
  uint64_t encrypted_by = 0;
  // Set by go_async() (async.h): the handler returned kPending and the engine
  // answers with an interim response carrying this AsyncId.
  uint64_t async_id = 0;
};

using Handler = NtStatus (*)(Request& req, ByteWriter& out);

// Looks up the open for a FileId (resolving the related-compound placeholder).
// Returns nullptr if the id is unknown in the request's tree.
Open* find_open(Request& req, FileId id);

// Reads the FileId at the current position of r.
inline FileId read_file_id(ByteReader& r) {
  FileId f;
  f.persistent = r.u64();
  f.volatile_ = r.u64();
  return f;
}
inline void write_file_id(ByteWriter& w, const FileId& f) {
  w.u64(f.persistent);
  w.u64(f.volatile_);
}

}  // namespace cifsd::session
