// fuzz-sources: smbd-session/info/create_parse.cc smbd-session/vfs/path.cc smbd-session/streams/stream_name.cc common/util/utf16.cc
// SMB2 CREATE body + create contexts parser, and the wire-name parser on
// the name it yields: any input either parses into views that lie inside
// the PDU or is rejected with a status; never a crash or an out-of-bounds view.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "smbd-session/info/create_parse.h"
#include "smbd-session/vfs/path.h"

using namespace cifsd;
using namespace cifsd::session;

namespace {
bool inside(Bytes outer, Bytes inner) {
  if (inner.empty()) return true;
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes pdu(data, size);
  // The engine hands over a body after a 64-byte header; without one, the
  // input is a bare context chain.
  if (size >= 64) {
    CreateRequest cr;
    if (parse_create_request(pdu, pdu.subspan(64), &cr) == status::kSuccess) {
      if (!inside(pdu, cr.name)) abort();
      for (const auto& c : cr.contexts) {
        if (!inside(pdu, c.data)) abort();
        if (c.name.empty()) abort();
      }
      for (auto use : {vfs::NameUse::kCreate, vfs::NameUse::kRename}) {
        vfs::ParsedName pn;
        if (vfs::parse_wire_name(cr.name, use, &pn) == status::kSuccess) {
          // An accepted path never contains an escape or an empty component.
          std::string_view p = pn.path;
          if (p.find("//") != std::string_view::npos || p == ".." ||
              p.starts_with("../") || p.ends_with("/..") ||
              p.find("/../") != std::string_view::npos || p.starts_with("/") ||
              p.find('\\') != std::string_view::npos)
            abort();
        }
      }
    }
  }
  std::vector<CreateContext> ctx;
  if (parse_create_contexts(pdu, &ctx) == status::kSuccess)
    for (const auto& c : ctx)
      if (!inside(pdu, c.data)) abort();
  return 0;
}
