// fuzz-sources: common/config/config.cc common/util/utf16.cc
// fuzz-libs: -linih
// smb.conf parser: every text either yields a config or fatal issues, never a
// crash; a parsed config can be dumped; host matching takes arbitrary entries.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 100 * 1024) return 0;  // the loader refuses larger files
  std::string_view text(reinterpret_cast<const char*>(data), size);
  cifsd::ConfigResult r = cifsd::parse_config_text(text, "fuzz.conf");
  bool fatal = false;
  for (auto& i : r.issues) fatal |= i.fatal;
  if (fatal == r.config.has_value()) __builtin_trap();  // exactly one of the two
  if (r.config) {
    if (!r.config->find_share("IPC$")) __builtin_trap();  // always added
    (void)cifsd::dump_config(*r.config);
    for (auto& s : r.config->shares) {
      (void)cifsd::host_allowed(s, "127.0.0.1");
      (void)cifsd::host_allowed(s, "fe80::1");
      (void)cifsd::user_in_list(s.valid_users, "alice", {"staff"});
    }
  }
  // The first line as a host list, the second as an address.
  size_t nl = text.find('\n');
  if (nl != std::string_view::npos) {
    std::string_view rest = text.substr(nl + 1);
    size_t nl2 = rest.find('\n');
    std::string ip(rest.substr(0, nl2));
    std::vector<std::string> list;
    std::string cur;
    for (char c : text.substr(0, nl)) {
      if (c == ' ' || c == ',') { if (!cur.empty()) list.push_back(cur), cur.clear(); }
      else cur += c;
    }
    if (!cur.empty()) list.push_back(cur);
    (void)cifsd::host_matches(list, ip);
  }
  (void)cifsd::parse_protocol(text.substr(0, 16));
  return 0;
}
