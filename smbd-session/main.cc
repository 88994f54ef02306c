// smbd-session: one sandboxed process per client connection.
//
// Start-up order matters for security: everything that needs the master's
// data or the helpers is done first, then the sandbox is entered, and only
// then is the first byte read from the (untrusted) client socket.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>

#include "common/ipc/channel.h"
#include "common/ipc/fds.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "common/sandbox/sandbox.h"
#include "common/util/proctitle.h"
#include "smbd-session/connection.h"
#include "smbd-session/lock_client.h"
#include "smbd-session/event_loop.h"
#include "smbd-session/handlers.h"
#include "smbd-session/login_timeout.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/master_link.h"
#include "smbd-session/multichannel.h"
#include "smbd-session/transport.h"

using namespace cifsd;
using namespace cifsd::session;

namespace {

// Generous: during a burst of connections the master answers late, not never.
constexpr int kHelloTimeoutMs = 30000;

bool hello_master(Connection& c) {
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  ipc::master::Hello{ipc::master::kVersion, ipc::master::Role::kSession}.encode(w);
  ipc::Message ans;
  if (ipc::call(c.master_fd.get(), ipc::master::kVersion, ipc::master::kHello, c.ipc_seq++,
                {buf.data(), buf.size()}, &ans, kHelloTimeoutMs) != ipc::RecvStatus::kOk ||
      ans.type != ipc::master::kHelloAnswer) {
    LOG_E("no HelloAnswer from smbd-master");
    return false;
  }
  auto a = ipc::master::HelloAnswer::decode(ans.body());
  if (!a) {
    LOG_E("malformed HelloAnswer");
    return false;
  }
  log::set_level(log::Level(a->log_level > 3 ? 3 : a->log_level));
  ConfigResult cr = parse_config_text(a->config_text, "smb.conf (from smbd-master)");
  if (!cr.config) {
    LOG_E("the configuration from smbd-master does not parse");
    return false;
  }
  c.config = std::move(*cr.config);
  c.client_ip = a->client_ip;
  c.client_port = a->client_port;
  c.connection_id = a->connection_id;
  c.server_interfaces = a->interfaces;
  c.signing_mandatory = c.config.global.server_signing == Tristate::kMandatory;
  return true;
}

// Releases every open (share-mode records, pipe handles) at the end.
void teardown(Connection& c) {
  // The extra channels' transports go first, while the loop still exists.
  c.multichannel.reset();
  c.send = nullptr;
  c.defer = nullptr;
  end_all_async(c);
  for (auto& [sid, s] : c.sessions) {
    for (auto& [tid, t] : s->trees) {
      auto opens = std::move(t->opens);
      t->opens.clear();
      for (auto& [vid, o] : opens) {
        // A durable open outlives the connection: the broker holds it
        // (durable.h) and keeps its share record when our channel closes.
        if (o->is_durable) continue;
        close_open(c, *t, *o);
      }
    }
    if (s->auth_context) auth_release(c, s->auth_context);
  }
  c.sessions.clear();
}

}  // namespace

int main(int argc, char** argv) {
  proctitle::init(argc, argv);
  log::init("smbd-session", false, log::kInfo);
  // A client that goes away while its answers are queued makes writev fail
  // with EPIPE (handled) instead of killing the session before its teardown.
  signal(SIGPIPE, SIG_IGN);
  Connection c;
  c.master_fd.reset(ipc::kFdMaster);
  c.auth_fd.reset(ipc::kFdAuth);
  c.rpc_fd.reset(ipc::kFdRpc);
  UniqueFd client(ipc::kFdClient);
  for (int fd : {ipc::kFdMaster, ipc::kFdAuth, ipc::kFdRpc, ipc::kFdClient})
    fcntl(fd, F_SETFD, FD_CLOEXEC);

  if (!hello_master(c)) return 1;
  std::string prefix = c.client_ip + ":" + std::to_string(c.client_port);
  log::set_prefix(prefix.c_str());
  if (!helper_hello(c, ipc::master::Role::kAuth)) LOG_W("smbd-auth did not answer Hello");
  if (!helper_hello(c, ipc::master::Role::kRpc)) LOG_W("smbd-rpc did not answer Hello");
  // The process title: ps shows which client a session serves.
  proctitle::set("smbd-session: %s", prefix.c_str());

  sandbox::SessionPolicy policy;
  for (const ShareConfig& s : c.config.shares)
    if (!s.is_ipc && !s.path.empty()) policy.share_paths.push_back(s.path);
  if (!sandbox::enter_session(policy)) {
    LOG_E("cannot enter the sandbox; refusing to serve the client");
    return 1;
  }

  int one = 1;
  setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int fl = fcntl(client.get(), F_GETFL);
  if (fl < 0 || fcntl(client.get(), F_SETFL, fl | O_NONBLOCK) < 0) return 1;

  EventLoop loop;
  if (!loop.ok()) return 1;
  ClientTransport transport(loop, c, client.get());
  c.loop = &loop;
  c.send = [&transport](std::vector<uint8_t> frame) { transport.send(std::move(frame)); };
  c.defer = [&loop](std::function<void()> fn) { run_soon(&loop, std::move(fn)); };
  Deferred master_dispatch_ev(loop, [&c] { master_dispatch(c); });
  c.schedule_master_dispatch = [&master_dispatch_ev] { master_dispatch_ev.schedule(); };
  lock_client_attach(c);
  // Channel 0 of possibly several (multichannel.h): the process ends with
  // its last channel, not necessarily with this one.
  multichannel_attach(c, &loop, &transport, [&loop] { loop.stop(); });
  // The master channel: its notifications, and EOF when the master is gone,
  // which ends this session.
  FdEvent master_ev(loop, c.master_fd.get(), EV_READ, [&] {
    if (!master_readable(c)) {
      LOG_I("master channel closed; ending the session");
      loop.stop();
    }
  });
  if (!transport.ok() || !master_ev.ok()) return 1;
  LoginTimeout login_timeout(loop, c, [&loop] { loop.stop(); });
  transport.start();
  master_ev.enable();
  login_timeout.start();
  loop.run();
  teardown(c);
  return 0;
}
