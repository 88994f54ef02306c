#pragma once
// FSCTLs on files of a disk share (sparse files, zeroing, allocated ranges,
// trim, block cloning, reparse points). cmd_ioctl.cc calls file_fsctl() for
// every control code it does not handle itself.
#include <cstdint>
#include <vector>

#include "smbd-session/request.h"
#include "smbd-session/vfs/alloc_ranges.h"

namespace cifsd::session {

constexpr uint32_t kFsctlSetSparse = 0x000900C4;
constexpr uint32_t kFsctlSetZeroData = 0x000980C8;
constexpr uint32_t kFsctlQueryAllocatedRanges = 0x000940CF;
constexpr uint32_t kFsctlFileLevelTrim = 0x00098208;
constexpr uint32_t kFsctlDuplicateExtentsToFile = 0x00098344;
constexpr uint32_t kFsctlGetReparsePoint = 0x000900A8;

// Runs `ctl` on `open`. On kSuccess / kBufferOverflow *out is the FSCTL's
// output buffer (already limited to max_out); any other status is the answer.
// Unknown control codes give NOT_SUPPORTED.
NtStatus file_fsctl(Request& req, uint32_t ctl, Open& open, Bytes in, uint32_t max_out,
                    std::vector<uint8_t>* out);

}  // namespace cifsd::session
