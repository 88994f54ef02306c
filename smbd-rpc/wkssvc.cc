// wkssvc (MS-WKST): NetrWkstaGetInfo levels 100, 101, 102.
#include "common/log/log.h"
#include "smbd-rpc/interfaces.h"
#include "smbd-rpc/ndr.h"

namespace cifsd::rpc {
namespace {

constexpr uint16_t kOpNetrWkstaGetInfo = 0;
constexpr uint32_t kPlatformIdNt = 500;
constexpr uint32_t kVersionMajor = 6, kVersionMinor = 1;

// Levels of LPWKSTA_INFO (MS-WKST 2.2.4.1 and Samba's extension of it)
// whose arm is a pointer; any other switch value has an empty arm.
bool wksta_level_has_arm(uint32_t level) {
  switch (level) {
    case 100: case 101: case 102: case 502: case 1010: case 1011: case 1012: case 1013:
    case 1018: case 1023: case 1027: case 1028: case 1032: case 1033:
      return true;
    default:
      return level >= 1041 && level <= 1062;
  }
}

CallResult wksta_get_info(const CallContext& ctx, Bytes stub) {
  NdrReader r(stub);
  if (r.unique_ptr()) (void)r.wstring();
  uint32_t level = r.u32();
  if (!r.ok()) return CallResult::Fault(nca::kBadStubData);
  const GlobalConfig& g = ctx.config.global;

  NdrWriter w;
  w.u32(level);
  if (level != 100 && level != 101 && level != 102) {
    if (wksta_level_has_arm(level)) w.null_ptr();
    w.u32(werr::kInvalidLevel);
    return {0, w.take()};
  }
  w.ptr();
  w.u32(kPlatformIdNt);
  w.ptr();  // computer name
  w.ptr();  // lan group
  w.u32(kVersionMajor);
  w.u32(kVersionMinor);
  if (level >= 101) w.ptr();  // lan root
  if (level == 102) w.u32(1);  // logged-on users: at least the caller
  w.wstring(g.netbios_name);
  w.wstring(g.workgroup);
  if (level >= 101) w.wstring("");
  w.u32(werr::kOk);
  return {0, w.take()};
}

}  // namespace

CallResult wkssvc_call(const CallContext& ctx, uint16_t opnum, Bytes stub) {
  if (opnum == kOpNetrWkstaGetInfo) return wksta_get_info(ctx, stub);
  LOG_D("wkssvc: opnum %u not implemented", opnum);
  return CallResult::Fault(nca::kOpRangeError);
}

}  // namespace cifsd::rpc
