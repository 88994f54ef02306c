// fuzz-sources: smbd-session/info/ea.cc smbd-session/vfs/alloc_ranges.cc common/smb/ntstatus.cc
// EA list codecs (FILE_FULL_EA_INFORMATION, FILE_GET_EA_INFORMATION) and the
// allocated-ranges encoder: any input is either refused with an NTSTATUS or
// parsed into entries whose names are valid and whose re-encoding parses
// back to the same list.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "smbd-session/info/ea.h"
#include "smbd-session/vfs/alloc_ranges.h"

using namespace cifsd;
using namespace cifsd::session;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  std::vector<info::Ea> eas;
  if (info::parse_full_ea_list(in, &eas) == status::kSuccess) {
    if (eas.empty()) abort();
    for (const info::Ea& ea : eas)
      if (!info::valid_ea_name(ea.name) || ea.value.size() > 0xFFFF) abort();
    std::vector<uint8_t> out;
    if (info::encode_full_ea_list(eas, 0xFFFFFFFF, false, &out) != status::kSuccess) abort();
    if (out.size() != info::ea_list_size(eas)) abort();
    std::vector<info::Ea> again;
    if (info::parse_full_ea_list(Bytes(out.data(), out.size()), &again) != status::kSuccess) abort();
    if (again.size() != eas.size()) abort();
    for (size_t i = 0; i < eas.size(); i++)
      if (again[i].name != eas[i].name || again[i].value != eas[i].value || again[i].flags != eas[i].flags)
        abort();
    // A smaller buffer holds a prefix of whole entries.
    uint32_t cut = uint32_t(out.size() / 2);
    std::vector<uint8_t> part;
    NtStatus s = info::encode_full_ea_list(eas, cut, false, &part);
    if (part.size() > cut) abort();
    if (s == status::kSuccess && part.size() != out.size()) abort();
  }
  std::vector<std::string> names;
  if (info::parse_get_ea_list(in, &names) == status::kSuccess) {
    if (names.empty()) abort();
    for (const std::string& n : names)
      if (!info::valid_ea_name(n)) abort();
  }
  // Ranges from the input as (offset, length) pairs.
  std::vector<vfs::AllocatedRange> r;
  for (size_t i = 0; i + 16 <= size && r.size() < 64; i += 16) {
    vfs::AllocatedRange a;
    for (int b = 0; b < 8; b++) a.offset |= uint64_t(data[i + b]) << (8 * b);
    for (int b = 0; b < 8; b++) a.length |= uint64_t(data[i + 8 + b]) << (8 * b);
    r.push_back(a);
  }
  std::vector<uint8_t> ro;
  uint32_t max = size ? data[0] * 3u : 0;
  NtStatus s = vfs::encode_allocated_ranges(r, max, &ro);
  if (ro.size() > max && !r.empty()) abort();
  if (ro.size() % 16) abort();
  if (r.empty() && (s != status::kSuccess || !ro.empty())) abort();
  return 0;
}
