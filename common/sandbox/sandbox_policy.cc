// The seccomp allowlists as data. Everything not listed is killed
// (SECCOMP_RET_KILL_PROCESS), so a compromised session can only use the
// system calls an SMB session needs. Names are resolved by libseccomp at
// install time; a name the library does not know is skipped with a warning.
//
// What is deliberately absent (and so killed): socket/connect/bind/listen/
// accept (a session's sockets are inherited), execve/execveat, fork/clone
// (no new processes), ptrace, process_vm_*, mount and friends, chroot,
// pivot_root, unshare/setns, the whole setuid family (the session switches
// identity with setfsuid/setfsgid/setgroups only), setfsuid/setfsgid(0),
// fchown*, symlinkat, mknod*, kernel modules, bpf, keyctl, kexec, reboot,
// perf_event_open, userfaultfd, capset.
#include <sys/ioctl.h>
#include <sys/prctl.h>

#include "config.h"
#include "common/sandbox/sandbox_internal.h"

namespace cifsd::sandbox::detail {
namespace {

using C = Cond;

// Needed by any of our processes: memory, time, signals, descriptors,
// message I/O on inherited sockets, event loops.
const SyscallRule kBase[] = {
    {"read"}, {"write"}, {"readv"}, {"writev"}, {"pread64"}, {"pwrite64"},
    {"preadv"}, {"pwritev"}, {"preadv2"}, {"pwritev2"},
    {"sendmsg"}, {"recvmsg"}, {"sendto"}, {"recvfrom"},
    {"epoll_create1"}, {"epoll_ctl"}, {"epoll_wait"}, {"epoll_pwait"}, {"epoll_pwait2"},
    {"poll"}, {"ppoll"}, {"select"}, {"pselect6"},
    {"close"}, {"close_range"}, {"fstat"}, {"newfstatat"}, {"statx"}, {"lseek"},
    {"getrandom"},
    {"clock_gettime"}, {"clock_getres"}, {"gettimeofday"}, {"time"}, {"nanosleep"},
    {"clock_nanosleep"},
    {"timerfd_create"}, {"timerfd_settime"}, {"timerfd_gettime"},
    {"brk"}, {"mmap"}, {"munmap"}, {"mremap"}, {"mprotect"}, {"madvise"},
    {"futex"}, {"sched_yield"},
    {"rt_sigaction"}, {"rt_sigprocmask"}, {"rt_sigreturn"}, {"rt_sigtimedwait"},
    {"signalfd4"}, {"restart_syscall"},
    {"exit"}, {"exit_group"},
    {"getpid"}, {"gettid"}, {"getppid"},
    {"getuid"}, {"geteuid"}, {"getgid"}, {"getegid"}, {"getresuid"}, {"getresgid"},
    {"getgroups"}, {"capget"},
    {"fcntl"}, {"dup"}, {"dup3"},
    {"ioctl", C::kArgIn32, 1, 2, {FIONREAD, FIONBIO}},
    {"setsockopt"}, {"getsockopt"}, {"getsockname"}, {"getpeername"}, {"shutdown"},
    {"pipe2"}, {"eventfd2"},
    {"prlimit64", C::kArgNull, 2},  // reading limits only
    {"uname"}, {"sysinfo"}, {"getrusage"}, {"umask"},
    {"tgkill", C::kArgIsSelf, 0},  // abort()/raise() on ourselves only
    {"prctl", C::kArgIn32, 0, 3, {PR_SET_NAME, PR_GET_NAME, PR_CAPBSET_READ}},
};

// smbd-session: file service beneath the shares (Landlock bounds the paths,
// the per-request fsuid/fsgid bound the permissions).
const SyscallRule kSessionFs[] = {
    {"openat"}, {"openat2"}, {"open"},
    {"getdents64"}, {"fsync"}, {"fdatasync"}, {"ftruncate"}, {"fallocate"}, {"fadvise64"},
    {"flock"}, {"copy_file_range"}, {"sendfile"},
    {"rename"}, {"renameat"}, {"renameat2"}, {"unlink"}, {"unlinkat"}, {"rmdir"},
    {"mkdir"}, {"mkdirat"}, {"linkat"}, {"readlink"}, {"readlinkat"},
    {"stat"}, {"lstat"}, {"access"}, {"faccessat"}, {"faccessat2"}, {"statfs"}, {"fstatfs"},
    {"getcwd"},
    {"fgetxattr"}, {"fsetxattr"}, {"fremovexattr"}, {"flistxattr"},
    {"getxattr"}, {"setxattr"}, {"removexattr"}, {"listxattr"},
    {"lgetxattr"}, {"lsetxattr"}, {"lremovexattr"}, {"llistxattr"},
    {"utimensat"}, {"fchmod"}, {"fchmodat"},
    // CHANGE_NOTIFY watches directories the session already may read.
    {"inotify_init1"}, {"inotify_add_watch"}, {"inotify_rm_watch"},
    // Identity switching per request: groups, and fsuid/fsgid but never 0.
    {"setgroups"},
    {"setfsuid", C::kArgNonZero32, 0},
    {"setfsgid", C::kArgNonZero32, 0},
};

// smbd-rpc: no file-system writes at all (Landlock also denies every path).
const SyscallRule kRpcExtra[] = {
    {"openat"}, {"fstatfs"},
};

#ifdef CIFSD_SANITIZERS
// ASan/UBSan runtimes: alternate signal stack for their SEGV handler,
// /proc/self/exe and maps lookups for reports, CPU/limit queries at start
// and on error. (LeakSanitizer's exit-time check uses clone+ptrace, which
// stays forbidden; sandbox.cc turns the leak check off for these processes.)
const SyscallRule kSanitizer[] = {
    {"sigaltstack"}, {"readlink"}, {"readlinkat"}, {"sched_getaffinity"}, {"prctl"},
    {"getrlimit"}, {"prlimit64"}, {"mincore"}, {"open"}, {"openat"}, {"getdents64"},
};
#endif

// Killed even when the default action is only "log" (policy debugging).
const char* const kDeny[] = {
    "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsmount", "fsconfig", "fspick", "mount_setattr",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "capset",
    "init_module", "finit_module", "delete_module", "bpf", "keyctl", "add_key",
    "request_key", "kexec_load", "kexec_file_load", "reboot", "unshare", "setns",
    "clone", "clone3", "fork", "vfork", "perf_event_open", "userfaultfd",
    "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "acct",
    "settimeofday", "clock_settime", "adjtimex", "iopl", "ioperm", "personality",
};

template <size_t N>
void append(std::vector<SyscallRule>* v, const SyscallRule (&a)[N]) {
  v->insert(v->end(), a, a + N);
}

Policy make(const char* role, bool session) {
  Policy p{role, {}, {}};
  append(&p.allow, kBase);
  if (session) append(&p.allow, kSessionFs);
  else append(&p.allow, kRpcExtra);
#ifdef CIFSD_SANITIZERS
  append(&p.allow, kSanitizer);
#endif
  p.deny.assign(std::begin(kDeny), std::end(kDeny));
  return p;
}

}  // namespace

Policy session_policy() { return make("session", true); }
Policy rpc_policy() { return make("rpc", false); }

}  // namespace cifsd::sandbox::detail
