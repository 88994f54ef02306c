// Turns a Policy (sandbox_policy.cc) into a libseccomp filter and loads it.
#include <seccomp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>

#include "config.h"
#include "common/log/log.h"
#include "common/sandbox/sandbox_internal.h"

namespace cifsd::sandbox::detail {
namespace {

// Syscalls newer than some libseccomp name tables: the x86_64 numbers, used
// when the library cannot resolve the name (the numbers are ABI facts).
int fallback_number(const std::string& name) {
#if defined(__x86_64__)
  static const std::map<std::string, int> kX86_64 = {
      {"close_range", 436}, {"openat2", 437}, {"faccessat2", 439}, {"epoll_pwait2", 441},
  };
  auto it = kX86_64.find(name);
  if (it != kX86_64.end()) return it->second;
#else
  (void)name;
#endif
  return __NR_SCMP_ERROR;
}

struct Filter {
  scmp_filter_ctx ctx;
  ~Filter() { if (ctx) seccomp_release(ctx); }
};

int add(scmp_filter_ctx ctx, uint32_t action, int nr, const scmp_arg_cmp* cmp, unsigned n) {
  return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

bool add_allow(scmp_filter_ctx ctx, int nr, const SyscallRule& r) {
  const uint32_t ok = SCMP_ACT_ALLOW;
  const unsigned a = r.arg;
  switch (r.cond) {
    case Cond::kAlways:
      return add(ctx, ok, nr, nullptr, 0) == 0;
    case Cond::kArgNonZero32:
      // "low 32 bits != 0" as an OR of "bit i set", because a masked
      // not-equal does not exist and SCMP_CMP_NE would look at 64 bits.
      for (unsigned bit = 0; bit < 32; ++bit) {
        scmp_arg_cmp c{a, SCMP_CMP_MASKED_EQ, 1ULL << bit, 1ULL << bit};
        if (add(ctx, ok, nr, &c, 1) != 0) return false;
      }
      return true;
    case Cond::kArgIn32:
      for (unsigned i = 0; i < r.nvalues; ++i) {
        scmp_arg_cmp c{a, SCMP_CMP_MASKED_EQ, 0xffffffffULL, r.values[i] & 0xffffffffULL};
        if (add(ctx, ok, nr, &c, 1) != 0) return false;
      }
      return true;
    case Cond::kArgNull: {
      scmp_arg_cmp c{a, SCMP_CMP_EQ, 0, 0};
      return add(ctx, ok, nr, &c, 1) == 0;
    }
    case Cond::kArgIsSelf: {
      scmp_arg_cmp c{a, SCMP_CMP_MASKED_EQ, 0xffffffffULL,
                     static_cast<uint64_t>(static_cast<uint32_t>(getpid()))};
      return add(ctx, ok, nr, &c, 1) == 0;
    }
  }
  return false;
}

}  // namespace

bool install_seccomp(const Policy& p) {
#ifdef CIFSD_SECCOMP_LOG
  const uint32_t def = SCMP_ACT_LOG;
#else
  const uint32_t def = SCMP_ACT_KILL_PROCESS;
#endif
  Filter f{seccomp_init(def)};
  if (!f.ctx) {
    LOG_E("sandbox: seccomp_init failed");
    return false;
  }
  // A syscall from a foreign ABI (i386 int 0x80, x32) kills, never slips by.
  seccomp_attr_set(f.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);

  // An unconditional allow makes conditional ones for the same call redundant
  // (and libseccomp rejects mixing them), so group by name first.
  std::map<std::string, std::vector<const SyscallRule*>> by_name;
  for (const SyscallRule& r : p.allow) by_name[r.name].push_back(&r);
  for (auto& [name, rules] : by_name) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) nr = fallback_number(name);
    if (nr == __NR_SCMP_ERROR) {
      LOG_D("sandbox: syscall %s unknown here, not allowed", name.c_str());
      continue;
    }
    const SyscallRule* always = nullptr;
    for (const SyscallRule* r : rules)
      if (r->cond == Cond::kAlways) always = r;
    bool ok = true;
    if (always) ok = add_allow(f.ctx, nr, *always);
    else
      for (const SyscallRule* r : rules) ok = ok && add_allow(f.ctx, nr, *r);
    if (!ok) {
      LOG_E("sandbox: seccomp rule for %s failed", name.c_str());
      return false;
    }
  }
  if (def != SCMP_ACT_KILL_PROCESS) {
    for (const char* name : p.deny) {
      int nr = seccomp_syscall_resolve_name(name);
      if (nr == __NR_SCMP_ERROR || by_name.count(name)) continue;
      add(f.ctx, SCMP_ACT_KILL_PROCESS, nr, nullptr, 0);
    }
    for (const char* name : {"setfsuid", "setfsgid"}) {
      int nr = seccomp_syscall_resolve_name(name);
      scmp_arg_cmp c{0, SCMP_CMP_MASKED_EQ, 0xffffffffULL, 0};
      if (nr != __NR_SCMP_ERROR) add(f.ctx, SCMP_ACT_KILL_PROCESS, nr, &c, 1);
    }
  }
  int rc = seccomp_load(f.ctx);
  if (rc != 0) {
    LOG_E("sandbox: seccomp_load: %s", strerror(-rc));
    return false;
  }
  LOG_D("sandbox: seccomp %s policy loaded (%zu rules)", p.role, p.allow.size());
  return true;
}

}  // namespace cifsd::sandbox::detail
