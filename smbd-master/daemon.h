#pragma once
// Daemonizing and the pid file.
#include <sys/types.h>

#include <string>

#include "common/util/unique_fd.h"

namespace cifsd::master {

// fork, setsid, fork, chdir("/"), stdin/stdout/stderr to /dev/null. Returns
// false in the original process on failure (the intermediate processes exit).
bool daemonize();

// Creates `path` (and parents) with `mode` if missing. Returns true if it
// exists as a directory afterwards; *created tells whether we made it.
bool make_dirs(const std::string& path, mode_t mode, bool* created);

// "<pid directory>/smbd-master.pid", held with an exclusive flock for the
// master's lifetime, so a second master on the same directory refuses to
// start while a stale file left by a crash does not block anyone.
class PidFile {
 public:
  PidFile() = default;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  ~PidFile() { release(); }

  // *other is set to the live owner's pid when it is locked by someone else.
  bool acquire(const std::string& dir, pid_t* other);
  // Lets the service user rewrite/remove it after the privilege drop.
  void chown_to(uid_t uid, gid_t gid);
  void release();
  const std::string& path() const { return path_; }

 private:
  UniqueFd fd_;
  std::string path_;
};

}  // namespace cifsd::master
