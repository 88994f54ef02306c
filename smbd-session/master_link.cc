#include "smbd-session/master_link.h"

#include <time.h>

#include "common/ipc/master_proto.h"
#include "common/log/log.h"

namespace cifsd::session {
namespace {

constexpr int kCallTimeoutMs = 10000;
// A master that floods a waiting call with notifications is broken.
constexpr size_t kMaxQueued = 4096;

namespace m = ipc::master;

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool is_notification(const ipc::Message& msg) {
  return msg.seq == 0 && msg.type >= m::kFirstNotification && (msg.type & 1) == 0;
}

// An answer (odd type) to a call this session already gave up on (timed
// out): calls are strictly sequential, so any answer to a seq issued before
// the current call's is late, not a protocol violation. Dropped.
bool is_late_answer(const Connection& c, const ipc::Message& m, uint32_t current) {
  return (m.type & 1) && m.seq != 0 && m.seq != current && int32_t(c.ipc_seq - m.seq) > 0;
}

uint32_t next_seq(Connection& c) {
  if (c.ipc_seq == 0) c.ipc_seq = 1;  // seq 0 marks notifications
  return c.ipc_seq++;
}

}  // namespace

void master_on(Connection& c, uint16_t type, MasterHandler handler) {
  c.master_handlers[type] = std::move(handler);
}

bool master_call(Connection& c, uint16_t type, Bytes payload, ipc::Message* answer, int pass_fd) {
  int fd = c.master_fd.get();
  if (fd < 0) return false;
  uint32_t seq = next_seq(c);
  if (!ipc::send_message(fd, m::kVersion, type, seq, payload, pass_fd)) return false;
  int64_t deadline = now_ms() + kCallTimeoutMs;
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      LOG_W("master call %u timed out", type);
      return false;
    }
    ipc::Message msg;
    ipc::RecvStatus rs = ipc::recv_message(fd, m::kVersion, &msg, int(left));
    if (rs != ipc::RecvStatus::kOk) return false;
    if (msg.seq == seq && msg.type == uint16_t(type | 1)) {
      *answer = std::move(msg);
      return true;
    }
    if (is_late_answer(c, msg, seq)) {
      LOG_W("late master answer %u (seq %u) to an abandoned call dropped", msg.type, msg.seq);
      continue;
    }
    if (!is_notification(msg) || c.master_inbox.size() >= kMaxQueued) {
      LOG_E("unexpected message %u (seq %u) from the master during call %u", msg.type, msg.seq, type);
      return false;
    }
    c.master_inbox.push_back(std::move(msg));
    if (c.schedule_master_dispatch) c.schedule_master_dispatch();
  }
}

bool master_send(Connection& c, uint16_t type, Bytes payload) {
  int fd = c.master_fd.get();
  return fd >= 0 && ipc::send_message(fd, m::kVersion, type, next_seq(c), payload);
}

bool master_readable(Connection& c) {
  for (size_t n = 0; n < 64; n++) {
    ipc::Message msg;
    ipc::RecvStatus rs = ipc::recv_message(c.master_fd.get(), m::kVersion, &msg, 0);
    if (rs == ipc::RecvStatus::kAgain) break;
    if (rs != ipc::RecvStatus::kOk) return false;
    if (is_late_answer(c, msg, 0)) {
      LOG_W("late master answer %u (seq %u) to an abandoned call dropped", msg.type, msg.seq);
      continue;
    }
    if (!is_notification(msg)) {
      LOG_E("unsolicited non-notification %u from the master", msg.type);
      return false;
    }
    c.master_inbox.push_back(std::move(msg));
  }
  master_dispatch(c);
  return true;
}

void master_apply_pending(Connection& c, uint16_t type, const MasterHandler& apply) {
  int fd = c.master_fd.get();
  if (fd < 0) return;
  for (size_t n = 0; n < 256 && c.master_inbox.size() < kMaxQueued; n++) {
    ipc::Message msg;
    if (ipc::recv_message(fd, m::kVersion, &msg, 0) != ipc::RecvStatus::kOk) break;
    if (!is_notification(msg)) continue;  // a late answer to an abandoned call
    c.master_inbox.push_back(std::move(msg));
  }
  master_apply_queued(c, type, apply);
}

void master_apply_queued(Connection& c, uint16_t type, const MasterHandler& apply) {
  bool others = false;
  for (auto it = c.master_inbox.begin(); it != c.master_inbox.end();) {
    if (it->type == type) {
      apply(c, *it);
      it = c.master_inbox.erase(it);
    } else {
      others = true;
      ++it;
    }
  }
  if (others && c.schedule_master_dispatch) c.schedule_master_dispatch();
}

void master_dispatch(Connection& c) {
  // Bounded: a handler may queue more (through calls), dispatched next turn.
  for (size_t n = c.master_inbox.size(); n > 0 && !c.master_inbox.empty(); n--) {
    ipc::Message msg = std::move(c.master_inbox.front());
    c.master_inbox.pop_front();
    auto it = c.master_handlers.find(msg.type);
    if (it == c.master_handlers.end()) {
      LOG_W("no handler for master notification %u", msg.type);
      continue;
    }
    auto handler = it->second;  // copy: the handler may re-register
    handler(c, msg);
  }
  if (!c.master_inbox.empty() && c.schedule_master_dispatch) c.schedule_master_dispatch();
}

}  // namespace cifsd::session
