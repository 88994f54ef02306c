#pragma once
// Allocated ranges of a file (FSCTL_QUERY_ALLOCATED_RANGES, MS-FSCC 2.3.46):
// finding them with SEEK_DATA/SEEK_HOLE and encoding the answer.
#include <cstdint>
#include <vector>

#include "common/smb/ntstatus.h"

namespace cifsd::session::vfs {

struct AllocatedRange {
  uint64_t offset = 0, length = 0;
};

// Data (non-hole) extents of fd within [start, end), adjacent ones merged.
// A file system without hole support reports the whole range as data.
NtStatus data_ranges(int fd, uint64_t start, uint64_t end, std::vector<AllocatedRange>* out);

// FILE_ALLOCATED_RANGE_BUFFER array (16 bytes each): no ranges -> empty and
// SUCCESS whatever max_out is; max_out < 16 -> BUFFER_TOO_SMALL; more ranges
// than fit -> the first ones and BUFFER_OVERFLOW (MS-FSA 2.1.5.10.22).
NtStatus encode_allocated_ranges(const std::vector<AllocatedRange>& ranges, uint32_t max_out,
                                 std::vector<uint8_t>* out);

}  // namespace cifsd::session::vfs
