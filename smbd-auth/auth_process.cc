#include "smbd-auth/auth_process.h"

#include <fcntl.h>
#include <poll.h>
#include <time.h>

#include <algorithm>

#include "common/config/config.h"
#include "common/ipc/auth_proto.h"
#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "common/smb/ntstatus.h"
#include "common/crypto/secret.h"
#include "common/wire/writer.h"

namespace cifsd::auth {

namespace im = ipc::master;

namespace {
int64_t now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}
int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}
}  // namespace

std::string AuthProcess::passdb_path() const {
  if (!master_passdb_path_.empty()) return master_passdb_path_;
  if (!config_passdb_path_.empty()) return config_passdb_path_;
  return default_passdb_path();
}

bool AuthProcess::apply_config(const std::string& text, std::string* error) {
  ConfigResult cr = parse_config_text(text, "smb.conf");
  if (!cr.config) {
    *error = "configuration text rejected";
    for (auto& i : cr.issues)
      if (i.fatal) *error += "; line " + std::to_string(i.line) + ": " + i.message;
    return false;
  }
  AuthSettings s = AuthSettings::from(cr.config->global);
  config_passdb_path_ = cr.config->global.passdb_path;
  std::vector<std::string> warnings;
  Passdb db;
  std::string path = passdb_path();
  if (!db.load(path, &warnings, error)) return false;
  for (auto& w : warnings) LOG_W("%s: %s (line skipped)", path.c_str(), w.c_str());
  env_.settings = std::move(s);
  env_.passdb = std::move(db);
  LOG_I("password database %s: %zu user(s)", path.c_str(), env_.passdb.size());
  return true;
}

bool AuthProcess::start() {
  im::Hello hello;
  hello.role = im::Role::kAuth;
  ByteWriter w;
  hello.encode(w);
  ipc::Message ans;
  if (ipc::call(master_fd_, im::kVersion, im::kHello, 1, w.view(), &ans, 30000) !=
      ipc::RecvStatus::kOk) {
    LOG_E("no answer to Hello from the master");
    return false;
  }
  auto ha = im::HelloAnswer::decode(ans.body());
  if (!ha) {
    LOG_E("malformed HelloAnswer from the master");
    return false;
  }
  log::set_level(log::Level(ha->log_level));
  master_passdb_path_ = ha->passdb_path;
  std::string err;
  if (!apply_config(ha->config_text, &err)) {
    LOG_E("%s", err.c_str());
    return false;
  }
  return true;
}

void AuthProcess::on_master() {
  ipc::Message m;
  ipc::RecvStatus st = ipc::recv_message(master_fd_, im::kVersion, &m, 0);
  if (st == ipc::RecvStatus::kAgain) return;
  if (st != ipc::RecvStatus::kOk) {
    if (st == ipc::RecvStatus::kViolation) LOG_E("malformed message from the master");
    master_closed_ = true;
    return;
  }
  im::StatusAnswer a;
  switch (m.type) {
    case im::kAttach: {
      auto at = im::Attach::decode(m.body());
      if (!at || !m.fd) {
        LOG_W("Attach without a valid body or descriptor");
        a.status = status::kInvalidParameter;
        break;
      }
      if (channels_.size() >= kMaxChannels) {
        LOG_W("too many session channels; refusing connection %llu",
              (unsigned long long)at->connection_id);
        a.status = status::kInsufficientResources;
        break;
      }
      int fl = fcntl(m.fd.get(), F_GETFL);
      if (fl >= 0) (void)fcntl(m.fd.get(), F_SETFL, fl | O_NONBLOCK);
      Channel c;
      c.fd = std::move(m.fd);
      c.server = std::make_unique<SessionChannel>(env_);
      c.server->set_throttle(&throttle_, at->client_ip);
      c.connection_id = at->connection_id;
      LOG_D("session channel attached for connection %llu (%s)",
            (unsigned long long)at->connection_id, at->client_ip.c_str());
      channels_.push_back(std::move(c));
      break;
    }
    case im::kReload: {
      auto r = im::Reload::decode(m.body());
      std::string err;
      if (!r) {
        a.status = status::kInvalidParameter;
      } else if (!apply_config(r->config_text, &err)) {
        LOG_E("reload failed, keeping the previous settings: %s", err.c_str());
        a.status = status::kUnsuccessful;
      } else {
        LOG_I("configuration and password database reloaded");
      }
      break;
    }
    default:
      LOG_W("unexpected message type %u from the master", unsigned(m.type));
      return;
  }
  ByteWriter w;
  a.encode(w);
  if (!ipc::send_message(master_fd_, im::kVersion, uint16_t(m.type | 1), m.seq, w.view()))
    master_closed_ = true;
}

void AuthProcess::on_channel(size_t i) {
  Channel& c = channels_[i];
  ipc::Message m;
  ipc::RecvStatus st = ipc::recv_message(c.fd.get(), ipc::auth::kVersion, &m, 0);
  if (st == ipc::RecvStatus::kAgain) return;
  bool close = st != ipc::RecvStatus::kOk;
  if (st == ipc::RecvStatus::kViolation)
    LOG_W("connection %llu: malformed frame; closing its auth channel",
          (unsigned long long)c.connection_id);
  if (!close && m.fd) {
    LOG_W("connection %llu: unexpected descriptor; closing its auth channel",
          (unsigned long long)c.connection_id);
    close = true;
  }
  if (!close) {
    uint16_t type = 0;
    std::vector<uint8_t> answer;
    if (!c.server->handle(m.type, m.body(), now_s(), &type, &answer, now_ms())) {
      LOG_W("connection %llu: auth protocol violation (message type %u); closing its channel",
            (unsigned long long)c.connection_id, unsigned(m.type));
      close = true;
    } else if (!vouch(c)) {
      close = true;
    } else if (uint32_t delay = c.server->answer_delay_ms(); delay > 0) {
      LOG_D("connection %llu: logon failure #%u, answering in %u ms",
            (unsigned long long)c.connection_id, c.server->failures(), delay);
      c.held = true;
      c.due_ms = now_ms() + delay;
      c.held_type = type;
      c.held_seq = m.seq;
      c.held_answer = std::move(answer);
    } else if (!ipc::send_message(c.fd.get(), ipc::auth::kVersion, type, m.seq,
                                  {answer.data(), answer.size()})) {
      close = true;
    }
    crypto::wipe(answer);
  }
  if (close) c.fd.reset();  // removed from channels_ by run()
}

bool AuthProcess::vouch(const Channel& c) {
  uint32_t uid = c.server->vouched_uid();
  if (uid == 0 || c.connection_id == 0) return true;
  // Before the session sees its answer: whatever it then asks of the master
  // about this user finds the master already knowing (docs/trust.md).
  im::Authenticated n{c.connection_id, uid};
  ByteWriter w;
  n.encode(w);
  if (!ipc::send_message(master_fd_, im::kVersion, im::kAuthenticatedNote, 0, w.view())) {
    LOG_E("cannot tell the master about connection %llu's logon",
          (unsigned long long)c.connection_id);
    master_closed_ = true;
    return false;
  }
  return true;
}

void AuthProcess::send_held(Channel& c) {
  c.held = false;
  if (!ipc::send_message(c.fd.get(), ipc::auth::kVersion, c.held_type, c.held_seq,
                         {c.held_answer.data(), c.held_answer.size()}))
    c.fd.reset();
  crypto::wipe(c.held_answer);
}

int AuthProcess::run() {
  int64_t last_expire = now_s();
  std::vector<pollfd> pfds;
  while (!master_closed_) {
    pfds.clear();
    pfds.push_back({master_fd_, POLLIN, 0});
    int64_t timeout = 30000, now0 = now_ms();
    for (auto& c : channels_) {
      // A channel with a held answer is not read (events 0 still reports hang-up).
      pfds.push_back({c.fd.get(), short(c.held ? 0 : POLLIN), 0});
      if (c.held) timeout = std::min<int64_t>(timeout, std::max<int64_t>(0, c.due_ms - now0));
    }
    int rc = poll(pfds.data(), pfds.size(), int(timeout));
    if (rc < 0 && errno != EINTR) {
      LOG_E("poll: %m");
      return 1;
    }
    if (rc > 0) {
      size_t n = channels_.size();  // on_master may append
      for (size_t i = 0; i < n; i++) {
        short re = pfds[i + 1].revents;
        if (re & POLLIN) on_channel(i);
        else if (re & (POLLHUP | POLLERR | POLLNVAL)) channels_[i].fd.reset();
      }
      if (pfds[0].revents & POLLIN) on_master();
      else if (pfds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) master_closed_ = true;
      std::erase_if(channels_, [](const Channel& c) { return !c.fd; });
    }
    int64_t due_now = now_ms();
    for (auto& c : channels_)
      if (c.held && c.fd && c.due_ms <= due_now) send_held(c);
    std::erase_if(channels_, [](const Channel& c) { return !c.fd; });
    int64_t now = now_s();
    if (now - last_expire >= 30) {
      for (auto& c : channels_) c.server->expire(now);
      throttle_.expire(now_ms());
      last_expire = now;
    }
  }
  LOG_I("master channel closed; exiting");
  return 0;
}

}  // namespace cifsd::auth
