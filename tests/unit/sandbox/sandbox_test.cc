// The sandbox really forbids what it promises: each forbidden action runs in
// its own sandboxed child, which must die of SIGSYS (seccomp) or fail with
// EACCES (Landlock). Runs as root (CI) and as a normal user.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

#include <cap-ng.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "config.h"
#include "common/log/log.h"
#include "common/sandbox/sandbox.h"
#include "common/sandbox/sandbox_internal.h"

namespace sb = cifsd::sandbox;

namespace {

std::string g_share;    // temp dir granted to the session
std::string g_outside;  // temp dir NOT granted

constexpr int kSandboxFailed = 99;

// Runs `fn` in a forked child after entering the session (or rpc) sandbox;
// returns the raw wait status. fn's return value is the exit code.
int run_sandboxed(bool rpc, const std::function<int()>& fn) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    bool ok = rpc ? sb::enter_rpc() : sb::enter_session({{g_share}});
    if (!ok) _exit(kSandboxFailed);
    _exit(fn());
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  return st;
}

void assert_sigsys(int st) {
  if (WIFEXITED(st)) fprintf(stderr, "child exited %d instead of SIGSYS\n", WEXITSTATUS(st));
  assert_true(WIFSIGNALED(st));
  assert_int_equal(WTERMSIG(st), SIGSYS);
}

void assert_exit0(int st) {
  if (WIFSIGNALED(st)) fprintf(stderr, "child killed by signal %d\n", WTERMSIG(st));
  else if (WEXITSTATUS(st) != 0) fprintf(stderr, "child exited %d\n", WEXITSTATUS(st));
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

void test_seccomp_available(void**) { assert_true(sb::seccomp_available()); }

void test_allowed_basics(void**) {
  // The sandbox itself comes up, and ordinary work goes on inside it.
  assert_exit0(run_sandboxed(false, [] {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return 1;
    if (write(p[1], "x", 1) != 1) return 2;
    int n = -1;
    if (ioctl(p[0], FIONREAD, &n) != 0 || n != 1) return 3;
    void* m = malloc(1 << 20);
    if (!m) return 4;
    free(m);
    if (setfsuid(12345) < 0) return 5;  // non-zero fsuid is allowed
    if (getpid() <= 0) return 6;
    return 0;
  }));
}

void test_execve_killed(void**) {
  assert_sigsys(run_sandboxed(false, [] {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    execve("/bin/true", argv, environ);
    return 0;
  }));
}

void test_socket_killed(void**) {
  assert_sigsys(run_sandboxed(false, [] { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1; }));
}

// connect() on a socket the process already holds (as a compromised
// session holds its client socket): no new peer may be reached.
void test_connect_killed(void**) {
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
  static int held;
  held = sv[0];
  assert_sigsys(run_sandboxed(false, [] {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    strcpy(a.sun_path, "/run/systemd/journal/socket");
    return connect(held, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }));
  close(sv[0]);
  close(sv[1]);
}

void test_ptrace_killed(void**) {
  assert_sigsys(run_sandboxed(false, [] { return static_cast<int>(ptrace(PTRACE_TRACEME, 0, 0, 0)); }));
}

void test_setuid_killed(void**) {
  assert_sigsys(run_sandboxed(false, [] { return setuid(0); }));
  assert_sigsys(run_sandboxed(false, [] { return setresuid(0, 0, 0); }));
  assert_sigsys(run_sandboxed(false, [] { return setgid(0); }));
}

void test_setfsuid_zero_killed(void**) {
  assert_sigsys(run_sandboxed(false, [] { return setfsuid(0); }));
  assert_sigsys(run_sandboxed(false, [] { return setfsgid(0); }));
  // The kernel truncates to 32 bits: 1<<32 means uid 0 and must die too.
  assert_sigsys(run_sandboxed(false, [] {
    return static_cast<int>(syscall(SYS_setfsuid, 0x100000000ULL));
  }));
}

void test_mount_killed(void**) {
  assert_sigsys(run_sandboxed(false, [] { return mount("none", "/mnt", "tmpfs", 0, nullptr); }));
}

void test_fork_and_ioctl_killed(void**) {
  assert_sigsys(run_sandboxed(false, [] { return fork() >= 0 ? 0 : 1; }));
#ifndef CIFSD_SECCOMP_LOG  // only named calls kill in a policy-debugging build
  assert_sigsys(run_sandboxed(false, [] {
    struct winsize ws;
    return ioctl(0, TIOCGWINSZ, &ws);
  }));
#endif
}

void test_landlock_confines_session(void**) {
  if (sb::detail::landlock_abi() <= 0) skip();  // kernel without Landlock
  assert_exit0(run_sandboxed(false, [] {
    std::string inside = g_share + "/inside.txt";
    int fd = open(inside.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 10;
    char c;
    if (read(fd, &c, 1) != 1 || c != 'i') return 11;
    close(fd);
    // Create and remove beneath the share.
    std::string made = g_share + "/new.txt";
    fd = open(made.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return 12;
    close(fd);
    if (unlink(made.c_str()) != 0) return 13;
    if (open("/etc/shadow", O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return 20;
    if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return 21;
    std::string out = g_outside + "/outside.txt";
    if (open(out.c_str(), O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return 22;
    std::string esc = g_share + "/../" + g_outside.substr(g_outside.rfind('/') + 1) + "/outside.txt";
    if (open(esc.c_str(), O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return 23;
    return 0;
  }));
}

// The file operations an SMB session performs must all survive the filter
// (results may be errors, e.g. EOPNOTSUPP; only SIGSYS would be a failure).
void test_session_file_ops_allowed(void**) {
  assert_exit0(run_sandboxed(false, [] {
    int root = open(g_share.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return 1;
    struct open_how how{};
    how.flags = O_RDWR | O_CREAT | O_CLOEXEC;
    how.mode = 0600;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(syscall(SYS_openat2, root, "ops.txt", &how, sizeof how));
    if (fd < 0) return 2;
    how.flags = O_RDONLY | O_CLOEXEC;
    how.mode = 0;
    if (syscall(SYS_openat2, root, "../outside/outside.txt", &how, sizeof how) >= 0 || errno != EXDEV)
      return 3;
    if (pwrite(fd, "abc", 3, 0) != 3) return 4;
    char b[3];
    if (pread(fd, b, 3, 0) != 3) return 5;
    struct stat st;
    if (fstat(fd, &st) != 0 || fstatat(root, "ops.txt", &st, AT_SYMLINK_NOFOLLOW) != 0) return 6;
    struct statx sx;
    if (statx(root, "ops.txt", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) != 0) return 7;
    if (ftruncate(fd, 10) != 0 || fsync(fd) != 0 || fdatasync(fd) != 0) return 8;
    (void)fallocate(fd, 0, 0, 4096);
    (void)fsetxattr(fd, "user.DOSATTRIB", "x", 1, 0);
    (void)fgetxattr(fd, "user.DOSATTRIB", b, sizeof b);
    (void)flistxattr(fd, nullptr, 0);
    if (fchmod(fd, 0640) != 0) return 9;
    struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    if (futimens(fd, ts) != 0) return 10;
    struct statfs sf;
    if (fstatfs(fd, &sf) != 0) return 11;
    if (lseek(fd, 0, SEEK_END) < 10) return 12;  // fallocate may have grown it
    struct flock lk{};
    lk.l_type = F_RDLCK;
    lk.l_whence = SEEK_SET;
    lk.l_len = 1;
    if (fcntl(fd, F_SETLK, &lk) != 0) return 13;
    close(fd);
    if (mkdirat(root, "d", 0700) != 0) return 14;
    if (renameat2(root, "ops.txt", root, "d/ops2.txt", RENAME_NOREPLACE) != 0) return 15;
    if (linkat(root, "d/ops2.txt", root, "hard.txt", 0) != 0) return 16;
    int dfd = openat(root, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char dents[1024];
    if (dfd < 0 || syscall(SYS_getdents64, dfd, dents, sizeof dents) <= 0) return 17;
    close(dfd);
    if (unlinkat(root, "hard.txt", 0) != 0 || unlinkat(root, "d/ops2.txt", 0) != 0 ||
        unlinkat(root, "d", AT_REMOVEDIR) != 0)
      return 18;
    if (faccessat(root, "inside.txt", R_OK, 0) != 0) return 19;
    gid_t groups[1] = {12345};
    (void)setgroups(1, groups);  // allowed (EPERM without CAP_SETGID is fine)
    (void)setfsgid(12345);
    int ev = eventfd(0, EFD_CLOEXEC);
    if (ev < 0) return 20;
    close(ev);
    close(root);
    return 0;
  }));
}

void test_rpc_no_files(void**) {
  if (sb::detail::landlock_abi() <= 0) skip();
  assert_exit0(run_sandboxed(true, [] {
    std::string inside = g_share + "/inside.txt";
    if (open(inside.c_str(), O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) return 30;
    return 0;
  }));
#ifndef CIFSD_SECCOMP_LOG
  // No file-system writes at all in the rpc filter.
  assert_sigsys(run_sandboxed(true, [] {
    std::string inside = g_share + "/inside.txt";
    return unlinkat(AT_FDCWD, inside.c_str(), 0);
  }));
#endif
  assert_sigsys(run_sandboxed(true, [] { return socket(AF_UNIX, SOCK_STREAM, 0); }));
}

void test_caps_reduced(void**) {
  capng_get_caps_process();
  // Only meaningful where there is something to reduce (root in CI).
  if (!capng_have_capability(CAPNG_PERMITTED, CAP_SETUID)) skip();
  // Inside the filter read the sets with raw capget/PR_CAPBSET_READ (libcap-ng
  // would also ask prctl(PR_CAP_AMBIENT), which the filter does not allow).
  auto sets = [](uint64_t* eff, uint64_t* perm, uint64_t* inh) {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &hdr, data) != 0) return false;
    *eff = data[0].effective | (uint64_t{data[1].effective} << 32);
    *perm = data[0].permitted | (uint64_t{data[1].permitted} << 32);
    *inh = data[0].inheritable | (uint64_t{data[1].inheritable} << 32);
    return true;
  };
  assert_exit0(run_sandboxed(false, [&] {
    uint64_t e, p, i;
    if (!sets(&e, &p, &i)) return 1;
    const uint64_t want = (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID);
    if (e != want || p != want) return 2;
    if (i != 0) return 3;
    for (int c = 0; c <= CAP_LAST_CAP; ++c) {
      bool in_bound = prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1;
      if (in_bound != ((want >> c) & 1)) return 4;
    }
    return 0;
  }));
  assert_exit0(run_sandboxed(true, [&] {
    uint64_t e, p, i;
    if (!sets(&e, &p, &i)) return 1;
    return (e | p | i) == 0 ? 0 : 2;
  }));
}

int setup(void**) {
  char tmpl[] = "/tmp/cifsd-sandbox-XXXXXX";
  if (!mkdtemp(tmpl)) return -1;
  std::string base = tmpl;
  chmod(base.c_str(), 0755);
  g_share = base + "/share";
  g_outside = base + "/outside";
  if (mkdir(g_share.c_str(), 0755) != 0 || mkdir(g_outside.c_str(), 0755) != 0) return -1;
  for (auto [path, ch] : {std::pair{g_share + "/inside.txt", 'i'}, {g_outside + "/outside.txt", 'o'}}) {
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, &ch, 1) != 1) return -1;
    close(fd);
  }
  return 0;
}

int teardown(void**) {
  std::string base = g_share.substr(0, g_share.rfind('/'));
  unlink((g_share + "/inside.txt").c_str());
  unlink((g_outside + "/outside.txt").c_str());
  rmdir(g_share.c_str());
  rmdir(g_outside.c_str());
  rmdir(base.c_str());
  return 0;
}

}  // namespace

int main() {
  cifsd::log::init("sandbox_test", false, cifsd::log::kWarn);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seccomp_available),
      cmocka_unit_test(test_allowed_basics),
      cmocka_unit_test(test_execve_killed),
      cmocka_unit_test(test_socket_killed),
      cmocka_unit_test(test_connect_killed),
      cmocka_unit_test(test_ptrace_killed),
      cmocka_unit_test(test_setuid_killed),
      cmocka_unit_test(test_setfsuid_zero_killed),
      cmocka_unit_test(test_mount_killed),
      cmocka_unit_test(test_fork_and_ioctl_killed),
      cmocka_unit_test(test_landlock_confines_session),
      cmocka_unit_test(test_session_file_ops_allowed),
      cmocka_unit_test(test_rpc_no_files),
      cmocka_unit_test(test_caps_reduced),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
