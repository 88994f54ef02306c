// srvsvc (MS-SRVS): share enumeration and share/server information.
//
// Paths in SHARE_INFO_2/502: Windows only returns them to administrators; we
// have no administrator notion, so rather than disclose the server's file
// system layout to every authenticated user we report a virtual path
// "C:\<share name>" for disk shares and "" for IPC$. The security descriptor
// of level 502 is NULL (no per-share ACL is kept).
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "common/util/utf16.h"
#include "smbd-rpc/interfaces.h"
#include "smbd-rpc/ndr.h"

namespace cifsd::rpc {
namespace {

constexpr uint16_t kOpNetrShareEnum = 15;
constexpr uint16_t kOpNetrShareGetInfo = 16;
constexpr uint16_t kOpNetrShareCheck = 20;
constexpr uint16_t kOpNetrServerGetInfo = 21;
constexpr uint16_t kOpNetrRemoteTOD = 28;
constexpr uint16_t kOpNetrShareEnumSticky = 36;

constexpr uint32_t kStypeDisktree = 0x00000000;
constexpr uint32_t kStypeIpc = 0x00000003;
constexpr uint32_t kStypeSpecial = 0x80000000;

constexpr uint32_t kPlatformIdNt = 500;
constexpr uint32_t kVersionMajor = 6, kVersionMinor = 1;
// SV_TYPE_WORKSTATION | SV_TYPE_SERVER | SV_TYPE_NT | SV_TYPE_SERVER_NT
constexpr uint32_t kServerType = 0x00000001 | 0x00000002 | 0x00001000 | 0x00008000;

struct ShareView {
  std::string name;
  uint32_t type = 0;
  std::string comment;
  std::string path;
  uint32_t max_uses = 0xffffffff;
};

ShareView view_of(const ShareConfig& s) {
  ShareView v;
  v.name = s.name;
  if (s.is_ipc) {
    v.type = kStypeIpc | kStypeSpecial;
    v.comment = s.comment.empty() ? "IPC Service" : s.comment;
  } else {
    // A name ending in '$' is hidden from browse lists by clients; mark it
    // special as Windows does for its administrative shares.
    v.type = kStypeDisktree | (!s.name.empty() && s.name.back() == '$' ? kStypeSpecial : 0);
    v.comment = s.comment;
    v.path = "C:\\" + s.name;
  }
  if (s.max_connections) v.max_uses = s.max_connections;
  return v;
}

// Levels whose union arm is a pointer in SHARE_INFO / SHARE_ENUM_UNION (as
// both Windows and Samba define them); other switch values have an empty arm.
bool share_level_has_arm(uint32_t level) {
  switch (level) {
    case 0: case 1: case 2: case 501: case 502: case 503:
    case 1004: case 1005: case 1006: case 1007: case 1501:
      return true;
    default:
      return false;
  }
}

// NetrShareEnumSticky has no level 501 (MS-SRVS 3.1.4.9).
bool share_level_supported(uint32_t level, bool enumeration, bool sticky = false) {
  switch (level) {
    case 0: case 1: case 2: case 502:
      return true;
    case 501:
      return !sticky;
    case 1005:
      return !enumeration;
    default:
      return false;
  }
}

// The fixed part of one SHARE_INFO_<level>; pointers get referent ids and
// their strings follow in put_share_deferred().
void put_share_fixed(NdrWriter& w, uint32_t level, const ShareView& s) {
  if (level == 1005) {
    w.u32(0);  // shi1005_flags: CSC_CACHE_MANUAL_REINT, no DFS
    return;
  }
  w.ptr();  // netname
  if (level == 0) return;
  w.u32(s.type);
  w.ptr();  // remark
  if (level == 1) return;
  if (level == 501) {
    w.u32(0);  // shi501_flags
    return;
  }
  w.u32(0);           // permissions (ignored for user-level security)
  w.u32(s.max_uses);
  w.u32(0);           // current_uses: not tracked across sessions
  w.ptr();            // path
  w.null_ptr();       // passwd
  if (level == 502) {
    w.u32(0);         // reserved (security descriptor length)
    w.null_ptr();     // security descriptor
  }
}

void put_share_deferred(NdrWriter& w, uint32_t level, const ShareView& s) {
  if (level == 1005) return;
  w.wstring(s.name);
  if (level == 0) return;
  w.wstring(s.comment);
  if (level == 1 || level == 501) return;
  w.wstring(s.path);
}

// Windows gives share paths (levels 2 and 502) to administrators only, and
// enumerates level 501 to authenticated callers only. We have no
// administrators, so at least anonymous sessions - which never are one - are
// refused those levels; "restrict anonymous >= 1" refuses anonymous all.
bool denied(const CallContext& ctx, uint32_t level, bool enumeration) {
  if (!ctx.anonymous()) return false;
  return ctx.anonymous_restricted() || level == 2 || level == 502 ||
         (enumeration && level == 501);
}

// A rough marshalled size of one entry, for PreferedMaximumLength.
size_t entry_size(uint32_t level, const ShareView& s) {
  size_t fixed = level == 0 ? 4 : level == 1 ? 12 : level == 501 ? 16 : level == 2 ? 32 : 40;
  size_t strings = 12 + 2 * (s.name.size() + 1);
  if (level != 0) strings += 12 + 2 * (s.comment.size() + 1);
  if (level == 2 || level == 502) strings += 12 + 2 * (s.path.size() + 1);
  return fixed + strings;
}

// [in,string,unique] SRVSVC_HANDLE ServerName: read and ignore (we are the
// only server on this endpoint), but it must be well formed.
void skip_server_name(NdrReader& r) {
  if (r.unique_ptr()) (void)r.wstring();
}

// NetrShareEnum and NetrShareEnumSticky share one signature. "Sticky"
// shares are the permanent ones (MS-SRVS 3.1.4.9); every configured disk
// share is permanent, IPC$ is not.
CallResult share_enum(const CallContext& ctx, Bytes stub, bool sticky_only) {
  NdrReader r(stub);
  skip_server_name(r);
  uint32_t level = r.u32();
  uint32_t sw = r.u32();
  bool arm = share_level_has_arm(level);
  if (arm && r.unique_ptr()) {
    // The container: the client sends EntriesRead = 0 and a NULL buffer;
    // an input array would be meaningless, so refuse it as bad stub data.
    (void)r.u32();
    if (r.unique_ptr()) return CallResult::Fault(nca::kBadStubData);
  }
  uint32_t pref_max = r.u32();
  bool has_resume = r.unique_ptr();
  uint32_t resume = has_resume ? r.u32() : 0;
  if (!r.ok() || sw != level) return CallResult::Fault(nca::kBadStubData);

  NdrWriter w;
  w.u32(level);
  w.u32(level);
  bool supported = share_level_supported(level, true, sticky_only);
  if (!supported || denied(ctx, level, true)) {
    if (arm) w.null_ptr();
    w.u32(0);  // TotalEntries
    if (has_resume) { w.ptr(); w.u32(resume); } else { w.null_ptr(); }
    w.u32(supported ? werr::kAccessDenied : werr::kInvalidLevel);
    return {0, w.take()};
  }

  std::vector<ShareView> all;
  for (const auto& s : ctx.config.shares)
    if ((s.browseable && !s.is_ipc) || (s.is_ipc && !sticky_only)) all.push_back(view_of(s));

  size_t start = std::min<size_t>(resume, all.size());
  size_t end = start;
  size_t budget = 0;
  while (end < all.size()) {
    size_t sz = entry_size(level, all[end]);
    // At least one entry per call, as Windows does, so a tiny preferred
    // length still makes progress.
    if (pref_max != 0xffffffff && end > start && budget + sz > pref_max) break;
    budget += sz;
    end++;
  }
  bool more = end < all.size();

  w.ptr();  // container
  w.u32(uint32_t(end - start));
  w.ptr();  // buffer
  w.u32(uint32_t(end - start));  // conformance
  for (size_t i = start; i < end; i++) put_share_fixed(w, level, all[i]);
  for (size_t i = start; i < end; i++) put_share_deferred(w, level, all[i]);
  w.u32(uint32_t(all.size()));  // TotalEntries
  if (has_resume) {
    w.ptr();
    w.u32(more ? uint32_t(end) : 0);
  } else {
    w.null_ptr();
  }
  w.u32(more ? werr::kMoreData : werr::kOk);
  LOG_D("srvsvc: NetrShareEnum level %u for %.*s: %zu of %zu shares", level,
        int(ctx.user.size()), ctx.user.data(), end - start, all.size());
  return {0, w.take()};
}

CallResult share_get_info(const CallContext& ctx, Bytes stub) {
  NdrReader r(stub);
  skip_server_name(r);
  auto name = r.wstring();  // [in,string] ref pointer: no referent id
  uint32_t level = r.u32();
  if (!r.ok() || !name) return CallResult::Fault(nca::kBadStubData);

  NdrWriter w;
  w.u32(level);
  bool arm = share_level_has_arm(level);
  if (!share_level_supported(level, false)) {
    if (arm) w.null_ptr();
    w.u32(werr::kInvalidLevel);
    return {0, w.take()};
  }
  const ShareConfig* s = ctx.config.find_share(*name);
  if (!s || denied(ctx, level, false)) {
    w.null_ptr();
    w.u32(s ? werr::kAccessDenied : werr::kNetNameNotFound);
    return {0, w.take()};
  }
  ShareView v = view_of(*s);
  w.ptr();
  put_share_fixed(w, level, v);
  put_share_deferred(w, level, v);
  w.u32(werr::kOk);
  return {0, w.take()};
}

// Levels of LPSERVER_INFO (MS-SRVS 2.2.3.7) whose arm is a pointer.
bool server_level_has_arm(uint32_t level) {
  static const uint32_t kLevels[] = {
      100,  101,  102,  103,  502,  503,  599,  1005, 1107, 1010, 1016, 1017, 1018,
      1501, 1502, 1503, 1506, 1510, 1511, 1512, 1513, 1514, 1515, 1516, 1518, 1523,
      1528, 1529, 1530, 1533, 1534, 1535, 1536, 1538, 1539, 1540, 1541, 1542, 1543,
      1544, 1545, 1546, 1547, 1548, 1549, 1550, 1552, 1553, 1554, 1555, 1556};
  return std::find(std::begin(kLevels), std::end(kLevels), level) != std::end(kLevels);
}

CallResult server_get_info(const CallContext& ctx, Bytes stub) {
  NdrReader r(stub);
  skip_server_name(r);
  uint32_t level = r.u32();
  if (!r.ok()) return CallResult::Fault(nca::kBadStubData);
  const GlobalConfig& g = ctx.config.global;

  NdrWriter w;
  w.u32(level);
  if (level != 100 && level != 101 && level != 102) {
    if (server_level_has_arm(level)) w.null_ptr();
    w.u32(werr::kInvalidLevel);
    return {0, w.take()};
  }
  w.ptr();
  w.u32(kPlatformIdNt);
  w.ptr();  // name
  if (level >= 101) {
    w.u32(kVersionMajor);
    w.u32(kVersionMinor);
    w.u32(kServerType);
    w.ptr();  // comment
  }
  if (level == 102) {
    w.u32(0);           // users
    w.u32(0xffffffff);  // disc: -1, no auto-disconnect
    w.u32(0);           // hidden
    w.u32(240);         // announce (seconds)
    w.u32(3000);        // anndelta (milliseconds)
    w.u32(0);           // licenses
    w.ptr();            // userpath
  }
  w.wstring(g.netbios_name);
  if (level >= 101) w.wstring(g.server_string);
  if (level == 102) w.wstring("C:\\");
  w.u32(werr::kOk);
  return {0, w.take()};
}

// NetrShareCheck: is a local device shared? Our shares are directories,
// reported with the virtual paths "C:\<name>" (see the top of this file),
// so those are the only "devices" that match.
CallResult share_check(const CallContext& ctx, Bytes stub) {
  NdrReader r(stub);
  skip_server_name(r);
  auto device = r.wstring();
  if (!r.ok() || !device) return CallResult::Fault(nca::kBadStubData);
  NdrWriter w;
  std::string want = ascii_lower(*device);
  // IPC$ is reported with an empty path, so the empty device matches it:
  // answers stay consistent with what NetrShareGetInfo level 2 said.
  for (const auto& s : ctx.config.shares) {
    ShareView v = view_of(s);
    if (ascii_lower(v.path) == want && !ctx.anonymous_restricted()) {
      w.u32(v.type);
      w.u32(werr::kOk);
      return {0, w.take()};
    }
  }
  w.u32(0);
  w.u32(werr::kDeviceNotShared);
  return {0, w.take()};
}

// NetrRemoteTOD: the server's clock as TIME_OF_DAY_INFO, in UTC (the
// sandbox cannot read /etc/localtime, and UTC is what we keep anyway).
CallResult remote_tod(Bytes stub) {
  NdrReader r(stub);
  skip_server_name(r);
  if (!r.ok()) return CallResult::Fault(nca::kBadStubData);
  timespec now{}, up{};
  clock_gettime(CLOCK_REALTIME, &now);
  clock_gettime(CLOCK_MONOTONIC, &up);
  struct tm tm {};
  time_t t = now.tv_sec;
  gmtime_r(&t, &tm);
  NdrWriter w;
  w.ptr();  // [out] LPTIME_OF_DAY_INFO*: the unique pointer's referent follows
  w.u32(uint32_t(now.tv_sec));                                   // tod_elapsedt
  w.u32(uint32_t(up.tv_sec * 1000 + up.tv_nsec / 1000000));      // tod_msecs
  w.u32(uint32_t(tm.tm_hour));
  w.u32(uint32_t(tm.tm_min));
  w.u32(uint32_t(tm.tm_sec));
  w.u32(uint32_t(now.tv_nsec / 10000000));                       // hundredths
  w.u32(0);                                                      // timezone: UTC
  w.u32(310);                                                    // tinterval (0.0001 s)
  w.u32(uint32_t(tm.tm_mday));
  w.u32(uint32_t(tm.tm_mon + 1));
  w.u32(uint32_t(tm.tm_year + 1900));
  w.u32(uint32_t(tm.tm_wday));
  w.u32(werr::kOk);
  return {0, w.take()};
}

}  // namespace

CallResult srvsvc_call(const CallContext& ctx, uint16_t opnum, Bytes stub) {
  switch (opnum) {
    case kOpNetrShareEnum: return share_enum(ctx, stub, false);
    case kOpNetrShareEnumSticky: return share_enum(ctx, stub, true);
    case kOpNetrShareGetInfo: return share_get_info(ctx, stub);
    case kOpNetrShareCheck: return share_check(ctx, stub);
    case kOpNetrServerGetInfo: return server_get_info(ctx, stub);
    case kOpNetrRemoteTOD: return remote_tod(stub);
    default:
      LOG_D("srvsvc: opnum %u not implemented", opnum);
      return CallResult::Fault(nca::kOpRangeError);
  }
}

}  // namespace cifsd::rpc
