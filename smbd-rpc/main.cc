// smbd-rpc: serves DCE/RPC on the IPC$ named pipes for every session.
// Started by smbd-master with the master channel on fd 3; session channels
// arrive later through master::Attach. Runs sandboxed: no file system, no
// capabilities, seccomp allowlist.
#include <signal.h>

#include <cstdlib>
#include <memory>

#include "common/config/config.h"
#include "common/ipc/channel.h"
#include "common/ipc/fds.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "common/sandbox/sandbox.h"
#include "smbd-rpc/pipe.h"
#include "smbd-rpc/server.h"

namespace mst = cifsd::ipc::master;
using namespace cifsd;

int main() {
  log::init("smbd-rpc", false, log::kInfo);
  signal(SIGPIPE, SIG_IGN);

  ByteWriter w;
  mst::Hello{mst::kVersion, mst::Role::kRpc}.encode(w);
  ipc::Message ans;
  if (ipc::call(ipc::kFdMaster, mst::kVersion, mst::kHello, 1, w.view(), &ans, 10000) !=
      ipc::RecvStatus::kOk) {
    LOG_E("rpc: no answer from the master on fd %d", ipc::kFdMaster);
    return 1;
  }
  auto hello = mst::HelloAnswer::decode(ans.body());
  if (!hello) {
    LOG_E("rpc: malformed hello answer");
    return 1;
  }
  log::set_level(log::Level(hello->log_level));
  ConfigResult cr = parse_config_text(hello->config_text, "master");
  if (!cr.config) {
    LOG_E("rpc: configuration from the master does not parse");
    return 1;
  }

  rpc::RpcEnv env;
  env.config = std::make_shared<const Config>(std::move(*cr.config));

  if (!sandbox::enter_rpc()) {
    LOG_E("rpc: cannot enter the sandbox");
    return 1;
  }
  LOG_D("rpc: ready");
  rpc::Server server(ipc::kFdMaster, env);
  return server.run();
}
