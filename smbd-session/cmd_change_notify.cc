// SMB2 CHANGE_NOTIFY (MS-SMB2 3.3.5.19): validated here, answered at once
// when changes are buffered, otherwise kept as an async op that the watcher
// (notify/watcher.h) completes when the directory changes. CANCEL answers
// STATUS_CANCELLED; closing the handle, tree disconnect and logoff answer
// STATUS_NOTIFY_CLEANUP, as Windows does.
#include <memory>

#include "smbd-session/async.h"
#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/notify/watcher.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {
constexpr uint16_t kWatchTree = 0x0001;
}  // namespace

NtStatus handle_change_notify(Request& req, ByteWriter& out) {
  ByteReader r(req.body);
  r.u16();  // StructureSize, checked by the engine
  uint16_t flags = r.u16();
  uint32_t max_out = r.u32();
  FileId fid = read_file_id(r);
  uint32_t filter = r.u32();
  if (!r.ok()) return status::kInvalidParameter;
  Open* open = find_open(req, fid);
  if (!open) return status::kFileClosed;
  if (!open->is_directory || open->is_pipe) return status::kInvalidParameter;
  if (!(open->access & smb2::kFileReadData)) return status::kAccessDenied;  // FILE_LIST_DIRECTORY
  if (max_out > req.conn.max_trans) return status::kInvalidParameter;
  if (filter == 0 || (filter & ~notify::kChangeAll)) return status::kInvalidParameter;

  Connection& c = req.conn;
  notify::Watcher& watcher = notify::watcher_of(c);
  uint64_t vid = open->id.volatile_;
  if (!watcher.watching(vid)) {
    NtStatus st = watcher.start(*req.tree, *open, req.session->id, (flags & kWatchTree) != 0, filter, max_out);
    if (st != status::kSuccess) return st;
  }
  NtStatus st;
  std::vector<uint8_t> body;
  if (watcher.take_now(vid, max_out, &st, &body)) {
    out.bytes({body.data(), body.size()});
    return st;
  }
  // Only the last request of a compound may go async: one in the middle
  // that would wait fails with STATUS_INTERNAL_ERROR and the rest of the
  // chain is answered at once, in the same response (Windows, MS-SMB2 <162>;
  // smbtorture smb2.compound.interim2). The watch stays for a later request.
  if (req.hdr.next_command != 0) return status::kInternalError;
  // The op's own id, known only once it exists.
  auto self = std::make_shared<uint64_t>(0);
  uint64_t async_id = go_async(req, vid, [&c, self](AsyncEnd why) {
    notify::watcher_of(c).remove_waiter(*self);
    if (why == AsyncEnd::kTeardown) return;
    if (why == AsyncEnd::kCancel) {
      complete_async(c, *self, status::kCancelled, {});
      return;
    }
    std::vector<uint8_t> empty = notify::response_body({});
    complete_async(c, *self, status::kNotifyCleanup, {empty.data(), empty.size()}, true);
  });
  *self = async_id;
  if (async_id) watcher.add_waiter(vid, async_id, max_out);
  return async_id ? status::kPending : status::kInsufficientResources;
}

}  // namespace cifsd::session
