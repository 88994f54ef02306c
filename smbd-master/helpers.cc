// smbd-auth and smbd-rpc: started after the privilege drop (the same code
// path serves the first start and every restart), greeted synchronously, then
// only ever spoken to by the master (Attach, Reload) with bounded waits.
#include <linux/capability.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/ipc/fds.h"
#include "smbd-master/interface_list.h"
#include "smbd-master/master.h"
#include "smbd-master/spawn.h"

namespace cifsd::master {

namespace mp = ipc::master;

namespace {
constexpr int kHelloTimeoutMs = 10000;
constexpr int kCallTimeoutMs = 3000;
constexpr int kMaxBackoffS = 30;
constexpr time_t kStableAfterS = 60;  // a helper that lived this long restarts at once
}  // namespace

Master::Helper* Master::helper_for(mp::Role r) {
  return r == mp::Role::kAuth ? &auth_ : r == mp::Role::kRpc ? &rpc_ : nullptr;
}

uint32_t Master::helper_log_level() const { return uint32_t(level_); }

std::vector<uint8_t> Master::hello_answer(const std::string& ip, uint32_t port, uint64_t conn_id,
                                          bool with_passdb) const {
  mp::HelloAnswer a;
  a.config_text = config_.source_text;
  if (with_passdb) a.passdb_path = passdb_;
  a.client_ip = ip;
  a.client_port = port;
  a.connection_id = conn_id;
  a.log_level = helper_log_level();
  if (!with_passdb && conn_id) a.interfaces = server_interfaces(config_.global);  // sessions only
  std::vector<uint8_t> out;
  ByteWriter w(out);
  a.encode(w);
  return out;
}

bool Master::start_helper(Helper& h) {
  if (stopping_ || h.pid > 0) return h.pid > 0;
  std::string path = find_program(self_dir_, h.name);
  UniqueFd mine, theirs;
  if (path.empty() || !ipc::make_pair(&mine, &theirs)) {
    LOG_E("cannot start %s", h.name);
    schedule_restart(h);
    return false;
  }
  SpawnSpec spec;
  spec.path = path;
  spec.argv = {path};
  spec.fds = {{theirs.get(), ipc::kFdMaster}};
  // smbd-auth reads the 0600 root-owned password database.
  if (h.role == mp::Role::kAuth) spec.ambient_caps = {CAP_DAC_READ_SEARCH};
  spec.stderr_fd = stderr_write_ ? stderr_write_.get() : -1;
  pid_t pid = spawn(spec);
  theirs.reset();
  if (pid < 0) {
    schedule_restart(h);
    return false;
  }
  h.pid = pid;
  h.started = time(nullptr);
  h.chan = std::move(mine);
  h.seq = 0;

  ipc::Message m;
  ipc::RecvStatus st = ipc::recv_message(h.chan.get(), mp::kVersion, &m, kHelloTimeoutMs);
  std::optional<mp::Hello> hello;
  if (st == ipc::RecvStatus::kOk && m.type == mp::kHello && !m.fd) hello = mp::Hello::decode(m.body());
  if (!hello || hello->role != h.role || hello->version != mp::kVersion) {
    helper_failed(h, st == ipc::RecvStatus::kOk ? "bad Hello" : "no Hello");
    return false;
  }
  std::vector<uint8_t> ans = hello_answer("", 0, 0, h.role == mp::Role::kAuth);
  if (!ipc::send_message(h.chan.get(), mp::kVersion, mp::kHelloAnswer, m.seq, {ans.data(), ans.size()})) {
    helper_failed(h, "HelloAnswer not delivered");
    return false;
  }
  h.ev.reset(event_new(base_.get(), h.chan.get(), EV_READ | EV_PERSIST, cb_helper, &h));
  if (!h.ev || event_add(h.ev.get(), nullptr) != 0) {
    helper_failed(h, "event set-up");
    return false;
  }
  LOG_I("%s started (pid %d)", h.name, int(pid));
  return true;
}

// The child is killed; SIGCHLD reaps it and schedules the restart.
void Master::helper_failed(Helper& h, const char* why) {
  LOG_E("%s (pid %d): %s; killing it", h.name, int(h.pid), why);
  if (h.pid > 0) kill(h.pid, SIGKILL);
  h.ev.reset();
  h.chan.reset();
}

void Master::cb_restart(evutil_socket_t, short, void* arg) {
  auto* h = static_cast<Helper*>(arg);
  h->owner->start_helper(*h);
}

void Master::schedule_restart(Helper& h) {
  if (stopping_ || !base_) return;
  time_t lived = h.started ? time(nullptr) - h.started : 0;
  h.backoff_s = lived >= kStableAfterS ? 1 : std::min(kMaxBackoffS, h.backoff_s ? h.backoff_s * 2 : 1);
  h.restart_timer.reset(evtimer_new(base_.get(), cb_restart, &h));
  timeval tv{h.backoff_s, 0};
  if (h.restart_timer) evtimer_add(h.restart_timer.get(), &tv);
  LOG_W("restarting %s in %d s", h.name, h.backoff_s);
}

// smbd-auth's one unasked message: kAuthenticatedNote (master_proto.h). The
// uid is remembered for that connection (bounded), for LogoffPrevious.
bool Master::helper_note(Helper& h, const ipc::Message& m) {
  if (h.role != mp::Role::kAuth || m.type != mp::kAuthenticatedNote || m.seq != 0 || m.fd) return false;
  auto n = mp::Authenticated::decode(m.body());
  if (!n) return false;
  auto it = by_conn_.find(n->connection_id);
  if (it == by_conn_.end()) return true;  // gone meanwhile
  std::vector<uint32_t>& v = it->second->vouched_uids;
  if (std::find(v.begin(), v.end(), n->uid) == v.end() && v.size() < kMaxVouchedUids) v.push_back(n->uid);
  return true;
}

// Waits for the answer `seq`, taking the notes that come first.
ipc::RecvStatus Master::helper_answer(Helper& h, uint32_t seq, ipc::Message* m) {
  for (;;) {
    ipc::RecvStatus st = ipc::recv_message(h.chan.get(), mp::kVersion, m, kCallTimeoutMs);
    if (st != ipc::RecvStatus::kOk || m->seq == seq) return st;
    if (!helper_note(h, *m)) return ipc::RecvStatus::kViolation;
  }
}

// Reads what a helper sent unasked without waiting (the session asking about
// a logon must find smbd-auth's note already taken: it was sent first).
void Master::drain_helper_notes(Helper& h) {
  while (h.chan) {
    ipc::Message m;
    ipc::RecvStatus st = ipc::recv_message(h.chan.get(), mp::kVersion, &m, 0);
    if (st == ipc::RecvStatus::kAgain) return;
    if (st != ipc::RecvStatus::kOk || !helper_note(h, m)) {
      helper_failed(h, "unsolicited or malformed message");
      return;
    }
  }
}

void Master::cb_helper(evutil_socket_t, short, void* arg) {
  auto* h = static_cast<Helper*>(arg);
  // Helpers speak unasked only with notes (helper_note); anything else
  // readable here is the channel's end or a violation.
  ipc::Message m;
  ipc::RecvStatus st = ipc::recv_message(h->chan.get(), mp::kVersion, &m, 0);
  if (st == ipc::RecvStatus::kAgain) return;
  if (st == ipc::RecvStatus::kOk && h->owner->helper_note(*h, m)) return;
  log::msg(h->owner->stopping_ ? log::kDebug : log::kWarn, "%s (pid %d): %s", h->name, int(h->pid),
        st == ipc::RecvStatus::kClosed ? "channel closed" : "unsolicited or malformed message");
  if (h->pid > 0) kill(h->pid, st == ipc::RecvStatus::kClosed ? SIGTERM : SIGKILL);
  h->ev.reset();
  h->chan.reset();
}

bool Master::attach(Helper& h, int fd, uint64_t conn_id, const std::string& ip) {
  if (h.pid <= 0 || !h.chan) return false;
  mp::Attach a{conn_id, ip};
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  a.encode(w);
  uint32_t seq = ++h.seq;
  if (!ipc::send_message(h.chan.get(), mp::kVersion, mp::kAttach, seq, {buf.data(), buf.size()}, fd)) {
    helper_failed(h, "Attach not delivered");
    return false;
  }
  ipc::Message m;
  ipc::RecvStatus st = helper_answer(h, seq, &m);
  std::optional<mp::StatusAnswer> ans;
  if (st == ipc::RecvStatus::kOk && m.type == mp::kAttachAnswer && m.seq == seq && !m.fd)
    ans = mp::StatusAnswer::decode(m.body());
  if (!ans) {
    helper_failed(h, st == ipc::RecvStatus::kTimeout ? "no AttachAnswer in time" : "bad AttachAnswer");
    return false;
  }
  if (ans->status != 0) {
    LOG_W("%s refused connection %llu (status 0x%08x)", h.name, (unsigned long long)conn_id, ans->status);
    return false;
  }
  return true;
}

void Master::reload_helper(Helper& h) {
  if (h.pid <= 0 || !h.chan) return;
  mp::Reload r{config_.source_text};
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  r.encode(w);
  ipc::Message m;
  uint32_t seq = ++h.seq;
  ipc::RecvStatus st = ipc::send_message(h.chan.get(), mp::kVersion, mp::kReload, seq, {buf.data(), buf.size()})
                           ? helper_answer(h, seq, &m)
                           : ipc::RecvStatus::kClosed;
  std::optional<mp::StatusAnswer> ans;
  if (st == ipc::RecvStatus::kOk && m.type == mp::kReloadAnswer && !m.fd) ans = mp::StatusAnswer::decode(m.body());
  if (!ans) {
    helper_failed(h, "no valid ReloadAnswer");
    return;
  }
  if (ans->status != 0) LOG_W("%s rejected the new configuration (0x%08x)", h.name, ans->status);
  else LOG_D("%s reloaded", h.name);
}

}  // namespace cifsd::master
