#include "smbd-master/daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/log/log.h"

namespace cifsd::master {

bool daemonize() {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
  if (setsid() < 0) _exit(1);
  pid = fork();  // not a session leader: can never reacquire a terminal
  if (pid < 0) _exit(1);
  if (pid > 0) _exit(0);
  if (chdir("/") != 0) _exit(1);
  umask(022);
  int null = open("/dev/null", O_RDWR);
  if (null < 0) _exit(1);
  for (int fd = 0; fd <= 2; ++fd) dup2(null, fd);
  // Nothing the starting shell left open may reach the daemon or its children.
  syscall(SYS_close_range, 3, UINT_MAX, 0);
  return true;
}

bool make_dirs(const std::string& path, mode_t mode, bool* created) {
  *created = false;
  if (path.empty()) return false;
  struct stat st{};
  if (stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    bool parent_created;
    if (!make_dirs(path.substr(0, slash), 0755, &parent_created)) return false;
  }
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return false;
  *created = true;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool PidFile::acquire(const std::string& dir, pid_t* other) {
  *other = 0;
  path_ = dir + "/smbd-master.pid";
  UniqueFd fd(open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) {
    LOG_E("pid file %s: %s", path_.c_str(), strerror(errno));
    path_.clear();
    return false;
  }
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = pread(fd.get(), buf, sizeof buf - 1, 0);
    if (n > 0) *other = static_cast<pid_t>(strtol(buf, nullptr, 10));
    path_.clear();  // not ours: never remove it
    return false;
  }
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d\n", int(getpid()));
  if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), buf, size_t(n), 0) != n) {
    LOG_E("pid file %s: %s", path_.c_str(), strerror(errno));
    path_.clear();
    return false;
  }
  fd_ = std::move(fd);
  return true;
}

void PidFile::chown_to(uid_t uid, gid_t gid) {
  if (fd_ && fchown(fd_.get(), uid, gid) != 0)
    LOG_W("pid file %s: chown: %s", path_.c_str(), strerror(errno));
}

void PidFile::release() {
  if (!fd_) return;
  // After the privilege drop the directory may not be writable for us; an
  // empty, unlocked file is as good as none.
  if (unlink(path_.c_str()) != 0) {
    if (ftruncate(fd_.get(), 0) != 0) LOG_W("pid file %s left behind", path_.c_str());
  }
  fd_.reset();
  path_.clear();
}

}  // namespace cifsd::master
