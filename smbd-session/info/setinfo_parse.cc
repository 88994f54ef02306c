#include "smbd-session/info/setinfo_parse.h"

namespace cifsd::session::info {

NtStatus parse_rename_info(Bytes buf, bool ex, RenameInfo* out) {
  *out = RenameInfo{};
  ByteReader r(buf);
  if (ex) {
    out->flags = r.u32();
    r.skip(4);
    out->replace = out->flags & kRenameReplaceIfExists;
  } else {
    out->replace = r.u8() != 0;
    r.skip(7);
  }
  out->root_directory = r.u64();
  uint32_t len = r.u32();
  if (!r.ok()) return status::kInfoLengthMismatch;
  if (len == 0 || len % 2) return status::kInvalidParameter;
  if (len > r.remaining()) return status::kInfoLengthMismatch;
  out->name = r.bytes(len);
  return status::kSuccess;
}

NtStatus parse_basic_info(Bytes buf, BasicInfo* out) {
  ByteReader r(buf);
  out->creation = r.u64();
  out->last_access = r.u64();
  out->last_write = r.u64();
  out->change = r.u64();
  out->attributes = r.u32();
  r.skip(4);  // Reserved: the structure is 40 bytes (MS-FSCC 2.4.7); Windows wants them all
  if (!r.ok()) return status::kInfoLengthMismatch;
  return status::kSuccess;
}

}  // namespace cifsd::session::info
