// SMB2 READ (MS-SMB2 3.3.5.12): pread on files, smbd-rpc on named pipes.
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

void reply(ByteWriter& out, Bytes data) {
  out.u16(17);
  out.u8(64 + 16);  // DataOffset from the header
  out.u8(0);
  out.u32(uint32_t(data.size()));
  out.u32(0);       // DataRemaining
  out.u32(0);
  if (data.empty()) out.u8(0);
  else out.bytes(data);
}

}  // namespace

NtStatus handle_read(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.u16();
  r.u8();   // Padding
  r.u8();   // Flags (READ_UNBUFFERED etc.: advisory)
  uint32_t length = r.u32();
  uint64_t offset = r.u64();
  FileId fid = read_file_id(r);
  uint32_t minimum = r.u32();
  if (!r.ok()) return status::kInvalidParameter;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;
  if (length > req.conn.max_read) return status::kInvalidParameter;

  if (open->is_pipe) {
    std::vector<uint8_t> data;
    NtStatus s = rpc_read(req.conn, open->pipe_handle, length, &data);
    if (s != status::kSuccess && s != status::kBufferOverflow) return s;
    reply(out, data);
    return s;
  }
  if (open->is_directory) return status::kInvalidDeviceRequest;
  if (!(open->access & (smb2::kFileReadData | smb2::kFileExecute))) return status::kAccessDenied;
  if (offset > uint64_t(INT64_MAX) - length) return status::kInvalidParameter;

  std::vector<uint8_t> buf(length);
  size_t got = 0;
  while (got < length) {
    ssize_t n = pread(open->fd.get(), buf.data() + got, length - got, off_t(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return status_from_errno(errno);
    }
    if (n == 0) break;
    got += size_t(n);
  }
  if ((got == 0 && length > 0) || got < minimum) return status::kEndOfFile;
  open->position = offset + got;
  reply(out, Bytes(buf.data(), got));
  return status::kSuccess;
}

}  // namespace cifsd::session
