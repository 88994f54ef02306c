// SMB2 CLOSE (MS-SMB2 3.3.5.10) and close_open(), which releases everything
// an open holds; tree disconnect, logoff and teardown use it too.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/delete_pending.h"
#include "smbd-session/handlers.h"
#include "smbd-session/durable.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/streams/stream_open.h"
#include "smbd-session/notify/watcher.h"
#include "smbd-session/oplock.h"
#include "smbd-session/lock_client.h"
#include "smbd-session/vfs/fileops_util.h"
#include "smbd-session/vfs/vfs.h"
#include "smbd-session/vfs/write_time.h"

namespace cifsd::session {
namespace {

constexpr uint16_t kPostQueryAttrib = 0x0001;

}  // namespace

void close_open(Connection& conn, Tree& tree, Open& open) {
  end_async_for_open(conn, open.id.volatile_);
  if (open.is_directory && conn.notify_watcher) notify::watcher_of(conn).forget(open.id.volatile_);
  if (open.is_pipe) {
    rpc_close(conn, open.pipe_handle);
  } else {
    vfs::wtime::on_close(open.id.volatile_, open.fd.get(), open.dev, open.ino);
    // A stream open's delete-on-close removes the stream, not the file.
    const bool file_doc = !streams::on_close(open) && open.delete_on_close;
    open.fd.reset();
    durable_closed(conn, open);
    caching_closed(open);
    // The file goes with its last open, whichever session holds that one:
    // until then it is delete pending for everybody (MS-FSA 2.1.5.4). The
    // broker says when this was the last of the opens it knows; opens of
    // this process it does not count (named streams of the file) may still
    // hold it, and then it goes with the last of those (delete_pending.h).
    const bool last = open.broker_id ? broker_share_close(conn, open.broker_id, file_doc) : file_doc;
    const bool deleted = delete_on_last_close(conn, tree, open, last);
    // Directory leases: a name gone, or a file whose data changed, changes
    // its directory's entries (the write time lands at close).
    if (deleted || open.modified) caching_parent_changed(conn, open);
    lock_client_forget(conn, open);
  }
  if (conn.open_count) conn.open_count--;
  tree.opens.erase(open.id.volatile_);  // destroys `open`
}

NtStatus handle_close(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.u16();  // StructureSize, checked by the engine
  uint16_t flags = r.u16();
  r.u32();
  FileId fid = read_file_id(r);
  if (!r.ok()) return status::kInvalidParameter;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;

  // A deferred write-time update lands before the final attributes are read.
  if (!open->is_pipe) vfs::wtime::on_close(open->id.volatile_, open->fd.get(), open->dev, open->ino);
  vfs::FileStat st;
  bool have = false;
  if ((flags & kPostQueryAttrib) && !open->is_pipe)
    have = vfs::stat_fd(open->fd.get(), share_of(req), leaf_name(open->path), &st) == status::kSuccess;
  close_open(req.conn, *req.tree, *open);

  out.u16(60);
  out.u16(have ? kPostQueryAttrib : 0);
  out.u32(0);
  if (have) {
    out.u64(st.creation);
    out.u64(st.last_access);
    out.u64(st.last_write);
    out.u64(st.change);
    out.u64(st.alloc);
    out.u64(st.size);
    out.u32(st.attrs);
  } else {
    out.zeros(52);
  }
  return status::kSuccess;
}

}  // namespace cifsd::session
