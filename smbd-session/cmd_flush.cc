// SMB2 FLUSH (MS-SMB2 3.3.5.11): fsync, for handles opened with write access.
#include <unistd.h>

#include <cerrno>

#include "smbd-session/handlers.h"
#include "smbd-session/smb2_types.h"
#include "smbd-session/vfs/write_time.h"

namespace cifsd::session {

NtStatus handle_flush(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.skip(8);  // StructureSize, Reserved1, Reserved2
  FileId fid = read_file_id(r);
  if (!r.ok()) return status::kInvalidParameter;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;
  if (!open->is_pipe) {
    if (!(open->access & (smb2::kFileWriteData | smb2::kFileAppendData))) return status::kAccessDenied;
    if (fsync(open->fd.get()) != 0) return status_from_errno(errno);
    vfs::wtime::flush_pending(open->id.volatile_, open->fd.get(), open->dev, open->ino);
  }
  out.u16(4);
  out.u16(0);
  return status::kSuccess;
}

}  // namespace cifsd::session
