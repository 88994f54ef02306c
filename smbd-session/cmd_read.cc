// SMB2 READ (MS-SMB2 3.3.5.12): pread on files, smbd-rpc on named pipes.
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/lock_client.h"
#include "smbd-session/smb2_types.h"
#include "smbd-session/streams/stream_open.h"

namespace cifsd::session {
namespace {

// READ and WRITE move buffers of up to 8 MiB (frame, reply body, output
// frame) through malloc with every request. glibc's defaults hand such
// blocks back to the kernel on free (munmap, or trimming the heap top), so
// the next request page-faults all of its memory in again: that fault and
// zeroing cost more CPU than the copies. Keeping them in the heap makes the
// data path reuse warm pages. Idle sessions never allocate large blocks, so
// this costs them nothing.
[[maybe_unused]] const bool kMallocTuned = [] {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  return true;
}();

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
  // Byte-range locks of other opens (MS-FSA 2.1.5.2); no round trip unless
  // the file has locks (lock_client.h).
  NtStatus ls = lock_check_io(req.conn, *open, offset, length, false);
  if (ls != status::kSuccess) return ls;

  if (open->stream) {  // a named stream: its data is in an xattr (streams/stream_open.h)
    std::vector<uint8_t> buf(length);
    size_t got = 0;
    NtStatus ss = streams::read_at(*open, offset, &buf, &got);
    if (ss != status::kSuccess) return ss;
    if ((got == 0 && length > 0) || got < minimum) return status::kEndOfFile;
    open->position = offset + got;
    reply(out, Bytes(buf.data(), got));
    return status::kSuccess;
  }

  // pread straight into the reply body: no staging buffer and no copy of
  // the data inside this process beyond the one the engine makes.
  out.u16(17);
  out.u8(64 + 16);  // DataOffset from the header
  out.u8(0);
  size_t len_at = out.reserve(4);
  out.u32(0);       // DataRemaining
  out.u32(0);
  std::vector<uint8_t>& v = out.vec();
  size_t data_at = v.size();
  v.resize(data_at + length);
  size_t got = 0;
  while (got < length) {
    ssize_t n = pread(open->fd.get(), v.data() + data_at + got, length - got, off_t(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return status_from_errno(errno);
    }
    if (n == 0) break;
    got += size_t(n);
  }
  if ((got == 0 && length > 0) || got < minimum) return status::kEndOfFile;
  v.resize(data_at + (got ? got : 1));  // an empty read still carries one Buffer byte
  out.patch_u32(len_at, uint32_t(got));
  open->position = offset + got;
  return status::kSuccess;
}

}  // namespace cifsd::session
