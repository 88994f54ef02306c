// fuzz-sources: smbd-session/streams/stream_name.cc smbd-session/mangle/short_name.cc smbd-session/vfs/path.cc common/util/utf16.cc
// Stream-name suffix parser, wire-name parser with stream syntax, and the
// 8.3 short-name generator. Invariants: an accepted stream name never holds
// '/', '\' or NUL and fits the xattr name; a generated short name is always a
// valid 8.3 name of at most 12 characters and is stable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/util/utf16.h"
#include "smbd-session/mangle/short_name.h"
#include "smbd-session/streams/stream_name.h"
#include "smbd-session/vfs/path.h"

using namespace cifsd;
using namespace cifsd::session;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  streams::StreamSpec spec;
  if (streams::parse_stream_suffix(s, &spec) == status::kSuccess) {
    if (spec.name.find_first_of(std::string("/\\\0", 3)) != std::string::npos) abort();
    if (streams::xattr_name(spec.name).size() > 255) abort();
    std::string_view back;
    if (!spec.name.empty() && (!streams::stream_of_xattr(streams::xattr_name(spec.name), &back) ||
                               back != spec.name))
      abort();
  }
  vfs::ParsedName pn;
  Bytes wire(data, size);
  if (vfs::parse_wire_name(wire, vfs::NameUse::kCreate, &pn) == status::kSuccess) {
    if (pn.named_stream != !pn.stream.empty()) abort();
    if (pn.stream.find_first_of(std::string("/\\\0", 3)) != std::string::npos) abort();
  }
  std::string sn = mangle::short_name(s);
  if (!s.empty() && s != "." && s != "..") {
    if (sn.size() > 12 || !mangle::is_8dot3(sn)) abort();
    if (sn != mangle::short_name(s)) abort();
  }
  (void)mangle::looks_generated(s);
  return 0;
}
