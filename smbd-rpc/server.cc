#include "smbd-rpc/server.h"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>

#include "common/config/config.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "common/smb/ntstatus.h"

namespace cifsd::rpc {

namespace mst = cifsd::ipc::master;
namespace ipcr = cifsd::ipc::rpc;

namespace {

bool send_status(int fd, uint16_t version, uint16_t type, uint32_t seq, uint32_t status) {
  ByteWriter w;
  if (version == mst::kVersion) mst::StatusAnswer{status}.encode(w);
  else ipcr::StatusAnswer{status}.encode(w);
  return ipc::send_message(fd, version, type, seq, w.view());
}

}  // namespace

int Server::run() {
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({master_fd_, POLLIN, 0});
    for (const auto& s : sessions_) fds.push_back({s->fd.get(), POLLIN, 0});
    int rc = poll(fds.data(), nfds_t(fds.size()), -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      LOG_E("rpc: poll failed: errno %d", errno);
      return 1;
    }
    // Sessions first: indices in fds match sessions_ until we erase.
    std::vector<size_t> dead;
    for (size_t i = 1; i < fds.size(); i++) {
      if (!fds[i].revents) continue;
      Session& s = *sessions_[i - 1];
      if (!on_session(s)) dead.push_back(i - 1);
    }
    for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
      LOG_D("rpc: session channel of connection %llu closed",
            (unsigned long long)sessions_[*it]->connection_id);
      sessions_.erase(sessions_.begin() + ptrdiff_t(*it));
    }
    if (fds[0].revents && !on_master()) {
      LOG_I("rpc: master channel closed, exiting");
      return 0;
    }
  }
}

bool Server::on_master() {
  ipc::Message m;
  ipc::RecvStatus st = ipc::recv_message(master_fd_, mst::kVersion, &m, 0);
  if (st == ipc::RecvStatus::kAgain) return true;
  if (st != ipc::RecvStatus::kOk) return false;
  switch (m.type) {
    case mst::kAttach: {
      auto a = mst::Attach::decode(m.body());
      if (!a || !m.fd) {
        LOG_E("rpc: malformed attach from master");
        return send_status(master_fd_, mst::kVersion, mst::kAttachAnswer, m.seq,
                           status::kInvalidParameter);
      }
      if (sessions_.size() >= kMaxSessionChannels) {
        LOG_W("rpc: %zu session channels open, refusing another", sessions_.size());
        return send_status(master_fd_, mst::kVersion, mst::kAttachAnswer, m.seq,
                           status::kInsufficientResources);
      }
      // Non-blocking, so a session that stops reading cannot stall the
      // others for longer than send_message's bounded wait.
      int flags = fcntl(m.fd.get(), F_GETFL);
      if (flags < 0 || fcntl(m.fd.get(), F_SETFL, flags | O_NONBLOCK) < 0)
        return send_status(master_fd_, mst::kVersion, mst::kAttachAnswer, m.seq,
                           status::kInsufficientResources);
      LOG_D("rpc: attached connection %llu from %s", (unsigned long long)a->connection_id,
            a->client_ip.c_str());
      sessions_.push_back(std::make_unique<Session>(std::move(m.fd), a->connection_id, env_));
      return send_status(master_fd_, mst::kVersion, mst::kAttachAnswer, m.seq, status::kSuccess);
    }
    case mst::kReload: {
      auto r = mst::Reload::decode(m.body());
      uint32_t result = status::kInvalidParameter;
      if (r) {
        ConfigResult cr = parse_config_text(r->config_text, "reload");
        if (cr.config) {
          // Pipes read env_.config at each call, so new calls see the new
          // share list; a call in progress cannot exist (single thread).
          env_.config = std::make_shared<const Config>(std::move(*cr.config));
          result = status::kSuccess;
          LOG_I("rpc: configuration reloaded");
        } else {
          LOG_W("rpc: reloaded configuration rejected, keeping the old one");
        }
      }
      return send_status(master_fd_, mst::kVersion, mst::kReloadAnswer, m.seq, result);
    }
    default:
      LOG_E("rpc: unexpected message %u from master", m.type);
      return true;
  }
}

bool Server::on_session(Session& s) {
  ipc::Message m;
  ipc::RecvStatus st = ipc::recv_message(s.fd.get(), ipcr::kVersion, &m, 0);
  if (st == ipc::RecvStatus::kAgain) return true;
  if (st != ipc::RecvStatus::kOk) {
    if (st == ipc::RecvStatus::kViolation)
      LOG_W("rpc: malformed message from connection %llu", (unsigned long long)s.connection_id);
    return false;
  }
  if (m.fd) {
    LOG_W("rpc: connection %llu passed a descriptor", (unsigned long long)s.connection_id);
    return false;
  }
  uint16_t answer_type = 0;
  std::vector<uint8_t> answer;
  if (!s.channel.handle(m.type, m.body(), &answer_type, &answer)) {
    LOG_W("rpc: connection %llu broke the rpc contract (message %u)",
          (unsigned long long)s.connection_id, m.type);
    return false;
  }
  return ipc::send_message(s.fd.get(), ipcr::kVersion, answer_type, m.seq,
                           {answer.data(), answer.size()});
}

}  // namespace cifsd::rpc
