#include "smbd-master/spawn.h"

#include <cap-ng.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "common/log/log.h"

namespace cifsd::master {
namespace {

constexpr int kFirstHighFd = 20;  // above every fixed child descriptor

// In the child between fork and exec: only async-signal-safe-ish work on our
// own single-threaded state. Reports failure through the exit status.
[[noreturn]] void child_exec(const SpawnSpec& spec, const std::vector<int>& high,
                             char* const* argv) {
  // Default signal dispositions and an empty mask: the master ignores SIGPIPE
  // and libevent installs handlers; neither must leak into the child.
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);

  if (spec.stderr_fd >= 0 && dup2(spec.stderr_fd, STDERR_FILENO) < 0) _exit(126);
  for (size_t i = 0; i < spec.fds.size(); ++i)
    if (dup2(high[i], spec.fds[i].second) < 0) _exit(126);  // dup2 clears CLOEXEC
  int first_free = 3;
  for (const auto& p : spec.fds) first_free = std::max(first_free, p.second + 1);
  syscall(SYS_close_range, first_free, UINT_MAX, 0);

  // Capabilities: permitted+inheritable become exactly the wanted ones we
  // hold, then each is raised into the ambient set so it survives execve of
  // a program without file capabilities (the child runs as the service user).
  capng_get_caps_process();
  std::vector<int> give;
  for (int cap : spec.ambient_caps)
    if (capng_have_capability(CAPNG_PERMITTED, cap) &&
        capng_have_capability(CAPNG_INHERITABLE, cap))
      give.push_back(cap);
  if (getuid() != 0) {
    capng_clear(CAPNG_SELECT_CAPS);
    for (int cap : give)
      capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_PERMITTED | CAPNG_INHERITABLE), cap);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0) _exit(125);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int cap : give)
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) _exit(125);
  }
  execv(spec.path.c_str(), argv);
  _exit(127);
}

}  // namespace

pid_t spawn(const SpawnSpec& spec) {
  // Move every source descriptor above the fixed numbers first, so that no
  // dup2 in the child overwrites a source it still needs.
  std::vector<int> high;
  for (const auto& p : spec.fds) {
    int h = fcntl(p.first, F_DUPFD_CLOEXEC, kFirstHighFd);
    if (h < 0) {
      for (int x : high) close(x);
      return -1;
    }
    high.push_back(h);
  }
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) child_exec(spec, high, argv.data());
  int err = errno;
  for (int x : high) close(x);
  if (pid < 0) LOG_E("fork: %s", strerror(err));
  return pid;
}

std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, size_t(n));
  size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

std::string find_program(const std::string& dir, const std::string& name) {
  for (const std::string& p : {dir + "/" + name, dir + "/../" + name + "/" + name}) {
    if (access(p.c_str(), X_OK) != 0) continue;
    char real[PATH_MAX];
    return realpath(p.c_str(), real) ? std::string(real) : p;
  }
  return {};
}

}  // namespace cifsd::master
