#pragma once
// The SMB2 engine: turns one received NetBIOS frame into the bytes to send
// back (a complete frame, header included), running the central checks of
// MS-SMB2 3.3.5.2 (credits, session, tree, file id, signature, structure
// size), compound chaining and response signing around the handlers.
#include <cstdint>
#include <vector>

#include "smbd-session/connection.h"

namespace cifsd::session {

enum class EngineResult { kContinue, kDisconnect };

// payload: the frame's bytes after the 4-byte NetBIOS header.
// *out receives zero or more complete frames to send.
EngineResult process_frame(Connection& c, uint8_t nb_type, Bytes payload,
                           std::vector<uint8_t>* out);
// The same on a buffer the engine may overwrite: a TRANSFORM is decrypted
// in place (no copy of a large encrypted WRITE). The transport uses this.
EngineResult process_frame_in_place(Connection& c, uint8_t nb_type, MutBytes payload,
                                    std::vector<uint8_t>* out);

// The largest frame the connection accepts now: small until a session is
// authenticated (an anonymous peer cannot make us allocate much).
uint32_t frame_limit(const Connection& c);

// The standard 9-byte error response body (MS-SMB2 2.2.2).
void write_error_body(ByteWriter& w);

// Pieces the engine shares with responses sent outside a request's frame
// (async.cc): whether a session signs, signing one message in place, turning
// the SMB2 messages after the 4-byte frame header at frame_at into a
// TRANSFORM in place, and writing a frame header.
bool session_can_sign(const Session& s);
void sign_response(const Session& s, MutBytes msg);
bool encrypt_frame(Connection& c, const Session& s, std::vector<uint8_t>* out, size_t frame_at);
// The same when the kTransformHeaderSize bytes after the frame header are
// already reserved: encrypts in place without moving the whole frame.
bool encrypt_reserved_frame(Connection& c, const Session& s, std::vector<uint8_t>* out, size_t frame_at);
void put_frame_header(std::vector<uint8_t>* out, size_t at, size_t len);

}  // namespace cifsd::session
