#pragma once
// Small helpers shared by the file command handlers.
#include <fcntl.h>

#include <string>
#include <string_view>

#include "smbd-session/request.h"
#include "smbd-session/vfs/path.h"

namespace cifsd::session {

constexpr NtStatus kStatusEasNotSupported = 0xC000004F;
constexpr NtStatus kStatusBadImpersonationLevel = 0xC00000A5;

inline bool fd_is_opath(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 || (fl & O_PATH);
}

inline std::string_view leaf_name(std::string_view path) {
  std::string_view parent, leaf;
  vfs::split_parent(path, &parent, &leaf);
  return leaf;
}

inline const ShareConfig& share_of(const Request& req) { return *req.tree->share; }

}  // namespace cifsd::session
