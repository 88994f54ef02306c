#include "smbd-session/vfs/alloc_ranges.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/wire/writer.h"

namespace cifsd::session::vfs {

NtStatus data_ranges(int fd, uint64_t start, uint64_t end, std::vector<AllocatedRange>* out) {
  uint64_t pos = start;
  while (pos < end) {
    off_t d = lseek(fd, off_t(pos), SEEK_DATA);
    if (d < 0) {
      if (errno == ENXIO) break;  // only a hole up to end of file
      if (errno == EINVAL || errno == EOPNOTSUPP) {  // no hole support: all data
        out->push_back({pos, end - pos});
        break;
      }
      return status_from_errno(errno);
    }
    if (uint64_t(d) >= end) break;
    off_t h = lseek(fd, d, SEEK_HOLE);
    uint64_t stop = h < 0 ? end : std::min<uint64_t>(uint64_t(h), end);
    if (stop <= uint64_t(d)) break;
    if (!out->empty() && out->back().offset + out->back().length == uint64_t(d))
      out->back().length += stop - uint64_t(d);
    else
      out->push_back({uint64_t(d), stop - uint64_t(d)});
    pos = stop;
  }
  return status::kSuccess;
}

NtStatus encode_allocated_ranges(const std::vector<AllocatedRange>& ranges, uint32_t max_out,
                                 std::vector<uint8_t>* out) {
  out->clear();
  if (ranges.empty()) return status::kSuccess;
  // MS-FSA 2.1.5.10.22: not even one range fits -> BUFFER_TOO_SMALL; some
  // fit -> those, with BUFFER_OVERFLOW.
  if (max_out < 16) return status::kBufferTooSmall;
  ByteWriter w(*out);
  size_t fit = std::min<size_t>(ranges.size(), max_out / 16);
  for (size_t i = 0; i < fit; i++) {
    w.u64(ranges[i].offset);
    w.u64(ranges[i].length);
  }
  return fit < ranges.size() ? status::kBufferOverflow : status::kSuccess;
}

}  // namespace cifsd::session::vfs
