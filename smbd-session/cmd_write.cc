// SMB2 WRITE (MS-SMB2 3.3.5.13): pwrite on files, smbd-rpc on named pipes.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/oplock.h"
#include "smbd-session/lock_client.h"
#include "smbd-session/smb2_types.h"
#include "smbd-session/streams/stream_open.h"
#include "smbd-session/vfs/write_time.h"

namespace cifsd::session {
namespace {

void reply(ByteWriter& out, uint32_t count) {
  out.u16(17);
  out.u16(0);
  out.u32(count);
  out.u32(0);  // Remaining
  out.u16(0);  // WriteChannelInfoOffset
  out.u16(0);
  out.u8(0);
}

}  // namespace

NtStatus handle_write(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.u16();
  uint16_t data_off = r.u16();
  uint32_t length = r.u32();
  uint64_t offset = r.u64();
  FileId fid = read_file_id(r);
  if (!r.ok()) return status::kInvalidParameter;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;
  if (length > req.conn.max_write) return status::kInvalidParameter;
  Bytes data;
  if (length && (data_off < 64 + 48 || !ByteReader::range(req.pdu, data_off, length, &data)))
    return status::kInvalidParameter;

  if (open->is_pipe) {
    NtStatus s = rpc_write(req.conn, open->pipe_handle, data);
    if (s != status::kSuccess) return s;
    reply(out, length);
    return status::kSuccess;
  }
  if (open->is_directory) return status::kInvalidDeviceRequest;
  const bool can_write = open->access & smb2::kFileWriteData;
  const bool can_append = open->access & smb2::kFileAppendData;
  if (!can_write && !can_append) return status::kAccessDenied;
  if (open->stream) {  // a named stream: its data is in an xattr (streams/stream_open.h)
    uint64_t end = 0;
    NtStatus ss = streams::write_at(*open, offset, data, !can_write, &end);
    if (ss != status::kSuccess) return ss;
    open->position = end;
    reply(out, length);
    return status::kSuccess;
  }
  // 0xFFFFFFFFFFFFFFFF means "at the end of file" for an append-only
  // handle (APPEND_DATA without WRITE_DATA), which always writes at the end.
  // For any other handle offsets beyond INT64_MAX are invalid, and data
  // may not reach past MAXFILESIZE (0xfffffff0000), as Windows answers.
  if (!can_write) {
    if (offset != ~0ull && offset > uint64_t(INT64_MAX)) return status::kInvalidParameter;
    struct stat sb;
    if (fstat(open->fd.get(), &sb) != 0) return status_from_errno(errno);
    offset = uint64_t(sb.st_size);
  }
  constexpr uint64_t kMaxFileSize = 0xfffffff0000ull;
  if (offset > uint64_t(INT64_MAX)) return status::kInvalidParameter;
  if (length == 0) {
    reply(out, 0);
    return status::kSuccess;
  }
  if (offset > kMaxFileSize || length > kMaxFileSize - offset) return status::kInvalidParameter;
  // Byte-range locks (MS-FSA 2.1.5.3); no round trip unless the file has
  // locks (lock_client.h).
  NtStatus ls = lock_check_io(req.conn, *open, offset, length, true);
  if (ls != status::kSuccess) return ls;

  vfs::wtime::before_write(open->id.volatile_, open->fd.get(), open->dev, open->ino);
  // Other clients' read caches break (oplock.h); lock_check_io above has
  // read the master channel already.
  caching_wrote(req.conn, *open, true);
  open->modified = true;            // its close changes the directory entry
  size_t done = 0;
  while (done < length) {
    ssize_t n = pwrite(open->fd.get(), data.data() + done, length - done, off_t(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done) break;
      return status_from_errno(errno);
    }
    if (n == 0) break;
    done += size_t(n);
  }
  open->position = offset + done;
  reply(out, uint32_t(done));
  return status::kSuccess;
}

}  // namespace cifsd::session
