// One smbd-session per client: admission (max connections), channels to the
// helpers, fork+exec, then the session's requests to the broker. Every
// message is decoded strictly; a violation costs only that session.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "common/ipc/fds.h"
#include "smbd-master/master.h"
#include "smbd-master/channel_router.h"
#include "smbd-master/durable_broker.h"
#include "smbd-master/lock_broker.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/spawn.h"

namespace cifsd::master {

namespace mp = ipc::master;

namespace {

constexpr uint32_t kStatusInternalError = 0xC00000E5;
constexpr uint32_t kStatusNotFound = 0xC0000225;
constexpr int kSessionHelloTimeoutS = 30;  // the session waits as long for its answer

void client_address(const sockaddr* sa, std::string* ip, uint16_t* port) {
  char buf[INET6_ADDRSTRLEN] = "?";
  *port = 0;
  if (sa->sa_family == AF_INET) {
    auto* s = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &s->sin_addr, buf, sizeof buf);
    *port = ntohs(s->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    auto* s = reinterpret_cast<const sockaddr_in6*>(sa);
    *port = ntohs(s->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
      // Clients over the dual-stack wildcard: show (and match hosts allow
      // against) the plain IPv4 address.
      in_addr v4;
      memcpy(&v4, &s->sin6_addr.s6_addr[12], 4);
      inet_ntop(AF_INET, &v4, buf, sizeof buf);
    } else {
      inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof buf);
    }
  }
  *ip = buf;
}

}  // namespace

void Master::cb_accept(evconnlistener*, evutil_socket_t fd, sockaddr* sa, int len, void* arg) {
  static_cast<Master*>(arg)->on_accept(fd, sa, len);
}

void Master::cb_session(evutil_socket_t, short, void* arg) {
  auto* s = static_cast<Session*>(arg);
  s->master->on_session_readable(*s);
}

void Master::cb_session_hello_timeout(evutil_socket_t, short, void* arg) {
  auto* s = static_cast<Session*>(arg);
  if (!s->hello_done && s->chan) s->master->kill_session(*s, "no Hello in time");
}

void Master::on_accept(int raw_fd, const sockaddr* sa, int) {
  UniqueFd client(raw_fd);
  if (stopping_) return;
  std::string ip;
  uint16_t port = 0;
  client_address(sa, &ip, &port);
  const GlobalConfig& g = config_.global;
  if (g.max_connections && sessions_.size() >= g.max_connections) {
    LOG_W("refusing %s: max connections (%u) reached", ip.c_str(), g.max_connections);
    return;
  }
  if (g.max_ip_connections && per_ip_[ip] >= g.max_ip_connections) {
    LOG_W("refusing %s: max ip connections (%u) reached", ip.c_str(), g.max_ip_connections);
    return;
  }
  uint64_t conn_id = next_conn_id_++;
  UniqueFd master_mine, master_theirs, auth_session, auth_helper, rpc_session, rpc_helper;
  if (!ipc::make_pair(&master_mine, &master_theirs) || !ipc::make_pair(&auth_session, &auth_helper) ||
      !ipc::make_pair(&rpc_session, &rpc_helper)) {
    LOG_E("socketpair: %s", strerror(errno));
    return;
  }
  // A helper that is down (or refuses) leaves the session with a closed
  // channel; the session asks for a fresh one (kNewChannel) when it needs it.
  if (!attach(auth_, auth_helper.get(), conn_id, ip))
    LOG_W("connection %llu: smbd-auth unavailable at start", (unsigned long long)conn_id);
  if (!attach(rpc_, rpc_helper.get(), conn_id, ip))
    LOG_W("connection %llu: smbd-rpc unavailable at start", (unsigned long long)conn_id);
  auth_helper.reset();
  rpc_helper.reset();

  SpawnSpec spec;
  spec.path = session_prog_;
  spec.argv = {session_prog_};
  spec.fds = {{master_theirs.get(), ipc::kFdMaster},
              {auth_session.get(), ipc::kFdAuth},
              {rpc_session.get(), ipc::kFdRpc},
              {client.get(), ipc::kFdClient}};
  spec.ambient_caps = {CAP_SETUID, CAP_SETGID};
  spec.stderr_fd = stderr_write_ ? stderr_write_.get() : -1;
  pid_t pid = spawn(spec);
  if (pid < 0) return;

  // Never block on a session: one that stops reading its channel is killed
  // when a send fails (see deliver), instead of stalling the whole master.
  int fl = fcntl(master_mine.get(), F_GETFL);
  if (fl < 0 || fcntl(master_mine.get(), F_SETFL, fl | O_NONBLOCK) < 0) {
    kill(pid, SIGKILL);
    return;
  }
  auto s = std::make_unique<Session>();
  s->master = this;
  s->pid = pid;
  s->conn_id = conn_id;
  s->client_ip = ip;
  s->client_port = port;
  s->chan = std::move(master_mine);
  s->ev.reset(event_new(base_.get(), s->chan.get(), EV_READ | EV_PERSIST, cb_session, s.get()));
  if (!s->ev || event_add(s->ev.get(), nullptr) != 0) {
    kill(pid, SIGKILL);
    s->ev.reset();
  }
  // A session that never says Hello holds a connection slot: bounded.
  s->hello_timer.reset(evtimer_new(base_.get(), cb_session_hello_timeout, s.get()));
  timeval tv{kSessionHelloTimeoutS, 0};
  if (s->hello_timer) evtimer_add(s->hello_timer.get(), &tv);
  per_ip_[ip]++;
  by_conn_[conn_id] = s.get();
  LOG_I("connection %llu from %s:%u: smbd-session pid %d", (unsigned long long)conn_id, ip.c_str(),
        unsigned(port), int(pid));
  sessions_.emplace(pid, std::move(s));
}

void Master::on_session_readable(Session& s) {
  ipc::Message m;
  ipc::RecvStatus st = ipc::recv_message(s.chan.get(), mp::kVersion, &m, 0);
  switch (st) {
    case ipc::RecvStatus::kAgain: return;
    case ipc::RecvStatus::kOk:
      if (!handle_session_message(s, m)) kill_session(s, "protocol violation");
      return;
    case ipc::RecvStatus::kClosed: session_channel_closed(s); return;
    default: kill_session(s, "malformed message"); return;
  }
}

bool Master::handle_session_message(Session& s, const ipc::Message& m) {
  if (s.hello_done && is_channel_frame(m.type)) return handle_channel_handoff(s, m);
  SessionState st{s.conn_id, s.hello_done, s.logoff_previous_notes, &s.vouched_uids};
  if (m.type == mp::kLogoffPreviousNote || m.type == mp::kLogoffPrevious) drain_helper_notes(auth_);
  SessionAction a;
  std::vector<uint8_t> hello;
  if (!s.hello_done) hello = hello_answer(s.client_ip, s.client_port, s.conn_id, false);
  uint32_t limit = config_.global.max_open_files ? config_.global.max_open_files : 10000;
  caching_.set_break_timeout_ms(int64_t(config_.global.oplock_break_timeout) * 1000);
  // Byte-range lock messages and the lock hooks around the others (lock_broker.h).
  std::vector<Notify> lock_notes;
  size_t opens_before = broker_.opens_of_connection(s.conn_id);
  // Durable handles (durable_broker.h): a reclaim answer carries the fd.
  UniqueFd answer_fd;
  if (s.hello_done) durable_expire(broker_, durable_, durable_now_ms());
  if (s.hello_done) durable_before_open(m, broker_, durable_);
  if (s.hello_done && is_durable_frame(m.type)) {
    a = handle_durable_frame(s.conn_id, m, broker_, durable_, caching_, durable_now_ms(), &answer_fd);
  } else if (s.hello_done && is_lock_frame(m.type) && !m.fd) {
    a = handle_lock_frame(s.conn_id, m, broker_, locks_);
  } else {
    if (s.hello_done) locks_before_frame(s.conn_id, m, broker_, locks_, &lock_notes);
    a = handle_session_frame(st, m, broker_, hello, limit, &caching_, monotonic_ms());
    if (a.kind != SessionAction::kViolation)
      locks_after_frame(s.conn_id, opens_before, broker_, locks_, &lock_notes);
  }
  a.notify.insert(a.notify.end(), lock_notes.begin(), lock_notes.end());
  // Lock state changes reach the other sessions before the locker's answer:
  // a client that learns of its lock and tells another client must find
  // that client's session already knowing (lock_client.h).
  // Likewise the end of a previous session reaches its owner before the new
  // session's SESSION_SETUP is answered.
  // And the breaks a write causes go out before the writer's answer.
  if ((is_lock_frame(m.type) || m.type == mp::kLogoffPrevious || m.type == mp::kCachingWrite) &&
      a.kind == SessionAction::kAnswer)
    deliver(a.notify), a.notify.clear();
  s.hello_done = st.hello_done;
  s.logoff_previous_notes = st.logoff_previous_notes;
  bool ok = false;
  switch (a.kind) {
    case SessionAction::kAnswer:
      ok = ipc::send_message(s.chan.get(), mp::kVersion, a.type, m.seq, {a.payload.data(), a.payload.size()},
                             answer_fd.valid() ? answer_fd.get() : -1);
      break;
    case SessionAction::kNewChannel:
      ok = answer_new_channel(s, a.helper, m.seq);
      break;
    case SessionAction::kNone:
      ok = true;
      break;
    default:
      break;
  }
  if (ok) deliver(a.notify);
  arm_caching_timer();
  return ok;
}

void Master::deliver(std::vector<Notify>& notes) {
  for (Notify& n : notes) {
    auto it = by_conn_.find(n.conn_id);
    if (it == by_conn_.end() || !it->second->chan) continue;  // gone meanwhile
    Session& target = *it->second;
    if (!ipc::send_message(target.chan.get(), mp::kVersion, n.type, 0, {n.payload.data(), n.payload.size()}))
      kill_session(target, "its master channel is full or broken");
  }
}

bool Master::answer_new_channel(Session& s, mp::Role helper, uint32_t seq) {
  Helper* h = helper_for(helper);
  if (!h) return false;
  // A helper waiting out its restart back-off is started now: a client is
  // waiting for it.
  if (h->pid <= 0 && !stopping_) {
    h->restart_timer.reset();
    start_helper(*h);
  }
  UniqueFd mine, theirs;
  uint32_t status = kStatusInternalError;
  if (h->pid <= 0) status = kStatusNotFound;
  else if (ipc::make_pair(&mine, &theirs) && attach(*h, theirs.get(), s.conn_id, s.client_ip))
    status = kStatusSuccess;
  std::vector<uint8_t> p = status_payload(status);
  LOG_I("connection %llu: new %s channel: 0x%08x", (unsigned long long)s.conn_id, h->name, status);
  return ipc::send_message(s.chan.get(), mp::kVersion, mp::kNewChannelAnswer, seq,
                           {p.data(), p.size()}, status == kStatusSuccess ? mine.get() : -1);
}

void Master::session_channel_closed(Session& s) {
  // The process is ending (or ended); its opens no longer exist.
  // Its durable handles wait for a reconnect, their share records kept.
  durable_on_disconnect(s.conn_id, broker_, durable_, durable_now_ms());
  std::vector<LockGrant> lock_grants;
  std::vector<LockFileKey> locked_files = locks_.drop_connection(s.conn_id, &lock_grants);
  size_t n = broker_.drop_connection(s.conn_id);
  if (n) LOG_D("connection %llu: dropped %zu share-mode records", (unsigned long long)s.conn_id, n);
  by_conn_.erase(s.conn_id);
  // Waiters its locks blocked are granted; other openers learn the state.
  std::vector<Notify> notes;
  locks_after_drop(lock_grants, locked_files, broker_, locks_, &notes);
  // Its oplocks and leases go too; CREATEs waiting for their breaks retry.
  caching_.drop_connection(s.conn_id, &notes);
  s.ev.reset();
  s.hello_timer.reset();
  s.chan.reset();
  deliver(notes);
}

void Master::kill_session(Session& s, const char* why) {
  LOG_W("connection %llu (pid %d): %s; killing the session", (unsigned long long)s.conn_id,
        int(s.pid), why);
  kill(s.pid, SIGKILL);  // not reaped yet (still in sessions_), so the pid is still ours
  session_channel_closed(s);
}

void Master::session_reaped(pid_t pid, int status) {
  auto it = sessions_.find(pid);
  if (it == sessions_.end()) return;
  Session& s = *it->second;
  session_channel_closed(s);
  if (WIFSIGNALED(status))
    LOG_W("connection %llu: smbd-session pid %d killed by signal %d", (unsigned long long)s.conn_id,
          int(pid), WTERMSIG(status));
  else
    LOG_I("connection %llu: smbd-session pid %d exited (%d)", (unsigned long long)s.conn_id, int(pid),
          WEXITSTATUS(status));
  auto ip = per_ip_.find(s.client_ip);
  if (ip != per_ip_.end() && --ip->second == 0) per_ip_.erase(ip);
  sessions_.erase(it);
}

}  // namespace cifsd::master
