// fuzz-sources: smbd-session/info/setinfo_parse.cc smbd-session/vfs/path.cc smbd-session/streams/stream_name.cc common/util/utf16.cc
// SET_INFO buffer parsers (rename/link in both layouts, basic info) and the
// rename-target name rules: views stay inside the buffer, accepted target
// names never contain an escape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "smbd-session/info/setinfo_parse.h"
#include "smbd-session/vfs/path.h"

using namespace cifsd;
using namespace cifsd::session;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes buf(data, size);
  for (bool ex : {false, true}) {
    info::RenameInfo ri;
    if (info::parse_rename_info(buf, ex, &ri) == status::kSuccess) {
      if (ri.name.empty() || ri.name.size() % 2) abort();
      if (ri.name.data() < data || ri.name.data() + ri.name.size() > data + size) abort();
      vfs::ParsedName pn;
      if (vfs::parse_wire_name(ri.name, vfs::NameUse::kRename, &pn) == status::kSuccess) {
        std::string_view p = pn.path;
        if (p.starts_with("/") || p.find("//") != std::string_view::npos || p == ".." ||
            p.starts_with("../") || p.find("/../") != std::string_view::npos || p.ends_with("/.."))
          abort();
        std::string_view parent, leaf;
        vfs::split_parent(p, &parent, &leaf);
        if (!p.empty() && leaf.empty()) abort();
      }
    }
  }
  info::BasicInfo bi;
  if (info::parse_basic_info(buf, &bi) == status::kSuccess && size < 36) abort();
  // Wildcard matching of arbitrary pattern/name splits stays bounded.
  if (size > 1) {
    size_t cut = data[0] % size;
    std::string_view all(reinterpret_cast<const char*>(data + 1), size - 1);
    if (cut > all.size()) cut = all.size();
    (void)vfs::dos_wildcard_match(all.substr(0, cut), all.substr(cut));
  }
  return 0;
}
