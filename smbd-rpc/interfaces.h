#pragma once
// The RPC interfaces smbd-rpc serves and which named pipe offers which.
// An interface is a table entry plus one dispatch function that turns
// (opnum, NDR stub) into either a stub reply or a fault status.
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/config/config.h"
#include "smbd-rpc/pdu.h"

namespace cifsd::rpc {

// Win32 error values returned in NET_API_STATUS / WERROR.
namespace werr {
constexpr uint32_t kOk = 0;
constexpr uint32_t kAccessDenied = 5;
constexpr uint32_t kInvalidParameter = 87;
constexpr uint32_t kInvalidLevel = 124;
constexpr uint32_t kMoreData = 234;
constexpr uint32_t kNetNameNotFound = 2310;
constexpr uint32_t kDeviceNotShared = 2311;
}  // namespace werr

struct CallContext {
  const Config& config;
  std::string_view user;  // the SMB session's user ("" for an anonymous logon)
  bool anonymous() const { return user.empty(); }
  // "restrict anonymous = 1" or more: no share enumeration or share
  // information for anonymous sessions (the default 0 allows smbclient -L -N).
  bool anonymous_restricted() const {
    return anonymous() && config.global.restrict_anonymous >= 1;
  }
};

struct CallResult {
  uint32_t fault = 0;              // non-zero: answer with a fault PDU instead
  std::vector<uint8_t> stub;       // NDR output when fault == 0
  static CallResult Fault(uint32_t status) { return CallResult{status, {}}; }
};

using CallFn = CallResult (*)(const CallContext& ctx, uint16_t opnum, Bytes stub);

struct Interface {
  const char* name;
  SyntaxId id;
  CallFn call;
};

// The interface whose UUID matches and whose version is compatible
// (same major, client minor <= ours), or nullptr.
const Interface* find_interface(const SyntaxId& abstract);

// True for the pipe names we open ("srvsvc", "wkssvc", "lsarpc", "samr",
// "lsass").
bool is_lsass_alias(std::string_view pipe);
bool pipe_known(std::string_view pipe);
// Whether a pipe endpoint offers an interface (lsarpc and samr share the
// lsass endpoint on Windows, so either pipe binds either interface).
bool pipe_serves(std::string_view pipe, const Interface& iface);

// Dispatchers, one per interface file.
CallResult srvsvc_call(const CallContext& ctx, uint16_t opnum, Bytes stub);
CallResult wkssvc_call(const CallContext& ctx, uint16_t opnum, Bytes stub);

}  // namespace cifsd::rpc
