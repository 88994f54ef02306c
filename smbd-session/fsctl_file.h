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

// The data part of one server-side copy chunk (FSCTL_SRV_COPYCHUNK[_WRITE],
// cmd_ioctl.cc checks the request): `len` bytes of `src` at src_off to `dst`
// at dst_off, through a named stream's data where either is a stream open.
// The chunk is a read and a write, so byte-range locks apply to both
// (FILE_LOCK_CONFLICT, as Windows 2012 and later answer); the destination
// gets the write-time and oplock-break hooks of a WRITE. `buf` is scratch
// space. *source_short is set (and nothing written) when the source ends
// before src_off + len.
NtStatus copy_chunk(Request& req, const Open& src, uint64_t src_off, Open& dst, uint64_t dst_off,
                    uint32_t len, std::vector<uint8_t>* buf, bool* source_short);

}  // namespace cifsd::session
