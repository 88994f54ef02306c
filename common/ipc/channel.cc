#include "common/ipc/channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/wire/writer.h"

namespace cifsd::ipc {

bool make_pair(UniqueFd* a, UniqueFd* b) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return false;
  a->reset(sv[0]);
  b->reset(sv[1]);
  return true;
}

bool send_message(int fd, uint16_t version, uint16_t type, uint32_t seq, Bytes payload,
                  int pass_fd) {
  if (payload.size() > kMaxPayload) return false;
  uint8_t hdr[kHeaderSize];
  ByteWriter w;
  w.u16(version);
  w.u16(type);
  w.u32(seq);
  w.u32(uint32_t(payload.size()));
  std::memcpy(hdr, w.view().data(), kHeaderSize);

  iovec iov[2] = {{hdr, kHeaderSize},
                  {const_cast<uint8_t*>(payload.data()), payload.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = payload.empty() ? 1 : 2;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (pass_fd >= 0) {
    std::memset(control, 0, sizeof(control));
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  for (;;) {
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) return size_t(n) == kHeaderSize + payload.size();
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 5000) <= 0) return false;
      continue;
    }
    return false;
  }
}

RecvStatus parse_packet(Bytes packet, uint16_t version, Message* out) {
  ByteReader r(packet);
  uint16_t ver = r.u16();
  uint16_t type = r.u16();
  uint32_t seq = r.u32();
  uint32_t len = r.u32();
  if (!r.ok() || ver != version || len != r.remaining() || len > kMaxPayload)
    return RecvStatus::kViolation;
  out->type = type;
  out->seq = seq;
  Bytes body = r.rest();
  out->payload.assign(body.begin(), body.end());
  return RecvStatus::kOk;
}

static int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

RecvStatus recv_message(int fd, uint16_t version, Message* out, int timeout_ms) {
  if (timeout_ms >= 0) {
    pollfd p{fd, POLLIN, 0};
    int rc;
    do rc = poll(&p, 1, timeout_ms); while (rc < 0 && errno == EINTR);
    if (rc < 0) return RecvStatus::kViolation;
    if (rc == 0) return timeout_ms == 0 ? RecvStatus::kAgain : RecvStatus::kTimeout;
  }
  // One buffer of the maximum size per thread: the bound is enforced by the
  // kernel (MSG_TRUNC) before a single byte of payload is allocated for. Not
  // zero-filled: recvmsg writes what it receives, so a process that only
  // gets small messages keeps most of these 160 KiB untouched (not resident),
  // which matters with one session process per idle client.
  constexpr size_t kBufSize = kHeaderSize + kMaxPayload + 1;
  static thread_local std::unique_ptr<uint8_t[]> buf = std::make_unique_for_overwrite<uint8_t[]>(kBufSize);
  iovec iov{buf.get(), kBufSize};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN ? RecvStatus::kAgain : RecvStatus::kClosed;
  if (n == 0) return RecvStatus::kClosed;

  UniqueFd passed;
  int extra_fds = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int f;
      std::memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (!passed) passed.reset(f);
      else { ::close(f); extra_fds++; }
    }
  }
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || extra_fds) return RecvStatus::kViolation;
  RecvStatus st = parse_packet(Bytes(buf.get(), size_t(n)), version, out);
  if (st == RecvStatus::kOk) out->fd = std::move(passed);
  return st;
}

RecvStatus call(int fd, uint16_t version, uint16_t type, uint32_t seq, Bytes payload,
                Message* answer, int timeout_ms) {
  if (!send_message(fd, version, type, seq, payload)) return RecvStatus::kClosed;
  int64_t deadline = now_ms() + timeout_ms;
  int64_t left = timeout_ms;
  RecvStatus st = recv_message(fd, version, answer, int(left));
  if (st != RecvStatus::kOk) return st;
  (void)deadline;
  // The peer answers each request in order; an answer to anything else is a
  // contract violation, not something to skip over.
  if (answer->seq != seq || answer->type != uint16_t(type | 1)) return RecvStatus::kViolation;
  return RecvStatus::kOk;
}

}  // namespace cifsd::ipc
