// smbd-auth: password database, NTLMSSP and SPNEGO for every session process.
// Started by smbd-master with the master channel on fd 3; see auth_process.h.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "common/ipc/fds.h"
#include "common/log/log.h"
#include "smbd-auth/auth_process.h"

int main(int argc, char** argv) {
  bool use_syslog = false;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--syslog") == 0) {
      use_syslog = true;
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("usage: smbd-auth [--syslog]\n"
                  "Started by smbd-master, which passes its channel on fd %d.\n",
                  cifsd::ipc::kFdMaster);
      return 0;
    } else {
      std::fprintf(stderr, "smbd-auth: unknown argument '%s'\n", argv[i]);
      return 1;
    }
  }
  // Sandboxed siblings and the master read our stderr; syslog is opt-in.
  cifsd::log::init("smbd-auth", use_syslog, cifsd::log::kInfo);
  signal(SIGPIPE, SIG_IGN);
  cifsd::auth::AuthProcess p(cifsd::ipc::kFdMaster);
  if (!p.start()) return 1;
  return p.run();
}
