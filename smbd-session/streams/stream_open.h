#pragma once
// Opens of named streams: what the command handlers call. An open of
// "file:stream" is an ordinary Open whose `stream` member is set; its `fd`
// is the base file's (or directory's) fd, read-only or O_PATH, never
// writable, so no code path that is unaware of streams can write the base
// file's data through it. Handlers ask `stream_of(open)` and, when it is set,
// let the functions below do the data part:
//   READ / WRITE             -> read_at / write_at
//   SET_INFO EOF/allocation  -> set_size
//   QUERY_INFO               -> adjust_stat (sizes), stream_information
//   SET_INFO rename ":name"  -> rename
//   CLOSE                    -> on_close (delete-on-close removes the stream)
// Basic information (times, attributes) of a stream open is the base file's,
// as on Windows, so those classes need no hook.
//
// Share modes: each stream has its own key in the master's broker (see
// broker_key in stream_name.h), so different streams of a file never
// conflict. An open of the file itself with DELETE access conflicts with this
// session's opens of its streams that do not share DELETE
// (stream_blocks_delete); across clients that check is not made yet.
#include <cstdint>
#include <string>
#include <vector>

#include "smbd-session/info/create_parse.h"
#include "smbd-session/request.h"
#include "smbd-session/vfs/path.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session::streams {

struct StreamOpen {
  std::string name;   // the stored (on-disk) spelling
};

inline const StreamOpen* stream_of(const Open& o) { return o.stream.get(); }

// CREATE of "file:stream[:$DATA]" (pn.named_stream). Writes the whole CREATE
// response on success.
NtStatus create(Request& req, const CreateRequest& cr, const vfs::ParsedName& pn, ByteWriter& out);

// Reads up to buf->size() bytes at `offset`; *got is what was read.
NtStatus read_at(const Open& o, uint64_t offset, std::vector<uint8_t>* buf, size_t* got);
// Writes at `offset` (append_only: at the end). STATUS_DISK_FULL beyond
// what one xattr value may hold.
NtStatus write_at(Open& o, uint64_t offset, Bytes data, bool append_only, uint64_t* end);
// End of file (allocation = false) or allocation size (true: only shrinks).
NtStatus set_size(Open& o, uint64_t size, bool allocation);
// The stream's size replaces the base file's in *st.
void adjust_stat(const Open& o, vfs::FileStat* st);
// FileStreamInformation (MS-FSCC 2.4.43) of a file or directory: "::$DATA"
// for a file, then every named stream as ":name:$DATA".
NtStatus stream_information(const Open& o, std::vector<uint8_t>* out, size_t* fixed);
// True if a rename target names a stream (": ..." without a file part).
bool is_stream_target(Bytes target_utf16);
// FileRenameInformation on a stream open, or with a ":stream" target.
NtStatus rename(Request& req, Open& o, Bytes target_utf16, bool replace);
// True if this session holds an open of a stream of (dev, ino) that does not
// share DELETE (an open of the file with DELETE then gets a sharing
// violation, as on Windows).
bool stream_blocks_delete(Connection& conn, uint64_t dev, uint64_t ino);
// Overwrite/supersede of the file drops its named streams.
void drop_all(int fd);
// CLOSE of a stream open: delete-on-close removes the stream (never the
// file). Returns true if `o` was a stream open.
bool on_close(Open& o);

}  // namespace cifsd::session::streams
