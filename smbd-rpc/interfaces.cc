#include "smbd-rpc/interfaces.h"

#include <cstring>

namespace cifsd::rpc {
namespace {

// lsarpc and samr bind so that clients probing them get a clean answer, but
// no operation is implemented yet: every opnum is refused with
// nca_s_op_rng_error rather than a reply that pretends to succeed.
CallResult not_implemented(const CallContext&, uint16_t, Bytes) {
  return CallResult::Fault(nca::kOpRangeError);
}

const Interface kInterfaces[] = {
    {"srvsvc", {uuid_from_string("4b324fc8-1670-01d3-1278-5a47bf6ee188"), 3, 0}, srvsvc_call},
    {"wkssvc", {uuid_from_string("6bffd098-a112-3610-9833-46c3f87e345a"), 1, 0}, wkssvc_call},
    {"lsarpc", {uuid_from_string("12345778-1234-abcd-ef00-0123456789ab"), 0, 0}, not_implemented},
    {"samr", {uuid_from_string("12345778-1234-abcd-ef00-0123456789ac"), 1, 0}, not_implemented},
};

}  // namespace

const Interface* find_interface(const SyntaxId& abstract) {
  for (const auto& i : kInterfaces) {
    if (i.id.uuid == abstract.uuid && i.id.major == abstract.major &&
        abstract.minor <= i.id.minor)
      return &i;
  }
  return nullptr;
}

// "lsass" is the endpoint's real name on Windows (its bind_ack secondary
// address); "lsarpc" and "samr" are the aliases clients open.
bool is_lsass_alias(std::string_view pipe) {
  return pipe == "lsarpc" || pipe == "samr" || pipe == "lsass";
}

bool pipe_known(std::string_view pipe) {
  return pipe == "srvsvc" || pipe == "wkssvc" || is_lsass_alias(pipe);
}

bool pipe_serves(std::string_view pipe, const Interface& iface) {
  std::string_view name = iface.name;
  if (is_lsass_alias(pipe)) return name == "lsarpc" || name == "samr";
  return pipe == name;
}

}  // namespace cifsd::rpc
