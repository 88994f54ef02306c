// IPC framing over real SOCK_SEQPACKET socketpairs: round trips, descriptor
// passing, and every way a peer can send a malformed packet.

#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/ipc/channel.h"
#include "common/wire/writer.h"

// cmocka last: it defines fail() and skip() as macros, which clash with
// ByteReader members; the tests never call cmocka's skip().
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}
#undef skip

using namespace cifsd;
using namespace cifsd::ipc;

namespace {

constexpr uint16_t kVer = 7;

struct Pair {
  UniqueFd a, b;
  Pair() {
    assert_true(make_pair(&a, &b));
    int big = 1 << 20;  // room for an oversized packet in one datagram
    setsockopt(a.get(), SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(b.get(), SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
};

std::vector<uint8_t> header(uint16_t ver, uint16_t type, uint32_t seq, uint32_t len) {
  ByteWriter w;
  w.u16(ver);
  w.u16(type);
  w.u32(seq);
  w.u32(len);
  return w.take();
}

void raw_send(int fd, const std::vector<uint8_t>& pkt) {
  assert_int_equal(send(fd, pkt.data(), pkt.size(), MSG_NOSIGNAL), ssize_t(pkt.size()));
}

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void test_pair_is_cloexec_seqpacket(void**) {
  Pair p;
  int type = 0;
  socklen_t len = sizeof type;
  assert_int_equal(getsockopt(p.a.get(), SOL_SOCKET, SO_TYPE, &type, &len), 0);
  assert_int_equal(type, SOCK_SEQPACKET);
  assert_true(fcntl(p.a.get(), F_GETFD) & FD_CLOEXEC);
  assert_true(fcntl(p.b.get(), F_GETFD) & FD_CLOEXEC);
}

void test_roundtrip(void**) {
  Pair p;
  const uint8_t body[] = {1, 2, 3, 4, 5};
  assert_true(send_message(p.a.get(), kVer, 42, 0x01020304, Bytes(body, 5)));
  assert_true(send_message(p.a.get(), kVer, 44, 9, Bytes()));
  Message m;
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kOk));
  assert_int_equal(m.type, 42);
  assert_int_equal(m.seq, 0x01020304);
  assert_int_equal(m.payload.size(), 5);
  assert_memory_equal(m.payload.data(), body, 5);
  assert_false(bool(m.fd));
  Message m2;
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m2, -1)), int(RecvStatus::kOk));
  assert_int_equal(m2.type, 44);
  assert_int_equal(m2.payload.size(), 0);
  // Nothing more: a poll returns kAgain, a wait times out.
  Message m3;
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m3, 0)), int(RecvStatus::kAgain));
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m3, 50)), int(RecvStatus::kTimeout));
}

void test_max_payload(void**) {
  Pair p;
  std::vector<uint8_t> big(kMaxPayload, 0x5A);
  assert_true(send_message(p.a.get(), kVer, 2, 1, Bytes(big.data(), big.size())));
  Message m;
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kOk));
  assert_int_equal(m.payload.size(), kMaxPayload);
  // One byte more is refused by the sender...
  std::vector<uint8_t> over(kMaxPayload + 1, 0x5A);
  assert_false(send_message(p.a.get(), kVer, 2, 1, Bytes(over.data(), over.size())));
  // ...and by the receiver, whether the header admits it or not.
  auto pkt = header(kVer, 2, 1, uint32_t(over.size()));
  pkt.insert(pkt.end(), over.begin(), over.end());
  raw_send(p.a.get(), pkt);
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kViolation));
  // Longer than the receive buffer: truncated by the kernel, still a violation.
  auto pkt2 = header(kVer, 2, 1, uint32_t(kMaxPayload + 64));
  pkt2.resize(kHeaderSize + kMaxPayload + 64, 0);
  raw_send(p.a.get(), pkt2);
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kViolation));
}

void test_fd_passing(void**) {
  Pair p;
  int pfd[2];
  assert_int_equal(pipe(pfd), 0);
  const uint8_t body[] = {7};
  assert_true(send_message(p.a.get(), kVer, 10, 3, Bytes(body, 1), pfd[1]));
  close(pfd[1]);
  Message m;
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kOk));
  assert_true(bool(m.fd));
  assert_true(fcntl(m.fd.get(), F_GETFD) & FD_CLOEXEC);  // received close-on-exec
  assert_int_equal(write(m.fd.get(), "ok", 2), 2);
  m.fd.reset();
  char buf[4] = {};
  assert_int_equal(read(pfd[0], buf, sizeof buf), 2);
  assert_memory_equal(buf, "ok", 2);
  close(pfd[0]);
}

void test_two_fds_is_violation(void**) {
  Pair p;
  int pfd[2];
  assert_int_equal(pipe(pfd), 0);
  auto pkt = header(kVer, 10, 1, 0);
  iovec iov{pkt.data(), pkt.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(2 * sizeof(int));
  std::memcpy(CMSG_DATA(c), pfd, 2 * sizeof(int));
  assert_int_equal(sendmsg(p.a.get(), &msg, 0), ssize_t(pkt.size()));
  close(pfd[0]);
  close(pfd[1]);
  Message m;
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kViolation));
  assert_false(bool(m.fd));
}

void test_malformed_packets(void**) {
  Pair p;
  Message m;
  // Shorter than a header.
  raw_send(p.a.get(), {1, 0, 2, 0, 0});
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kViolation));
  // Wrong contract version.
  assert_true(send_message(p.a.get(), kVer + 1, 2, 1, Bytes()));
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kViolation));
  // Length field larger than the packet (truncated payload).
  auto pkt = header(kVer, 2, 1, 10);
  pkt.resize(pkt.size() + 4);
  raw_send(p.a.get(), pkt);
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kViolation));
  // Length field smaller than the packet (trailing bytes).
  auto pkt2 = header(kVer, 2, 1, 1);
  pkt2.resize(pkt2.size() + 2);
  raw_send(p.a.get(), pkt2);
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kViolation));
  // The stream of packets stays usable after a violation (the caller decides).
  assert_true(send_message(p.a.get(), kVer, 2, 5, Bytes()));
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kOk));
  assert_int_equal(m.seq, 5);
}

void test_parse_packet(void**) {
  Message m;
  auto ok = header(kVer, 6, 77, 2);
  ok.push_back(0xAA);
  ok.push_back(0xBB);
  assert_int_equal(int(parse_packet(Bytes(ok.data(), ok.size()), kVer, &m)), int(RecvStatus::kOk));
  assert_int_equal(m.type, 6);
  assert_int_equal(m.seq, 77);
  assert_int_equal(m.payload.size(), 2);
  assert_int_equal(int(parse_packet(Bytes(ok.data(), ok.size() - 1), kVer, &m)), int(RecvStatus::kViolation));
  for (size_t n = 0; n < kHeaderSize; n++)
    assert_int_equal(int(parse_packet(Bytes(ok.data(), n), kVer, &m)), int(RecvStatus::kViolation));
  auto huge = header(kVer, 6, 1, 0xFFFFFFFF);
  assert_int_equal(int(parse_packet(Bytes(huge.data(), huge.size()), kVer, &m)), int(RecvStatus::kViolation));
}

void test_closed_peer(void**) {
  Pair p;
  p.a.reset();
  Message m;
  assert_int_equal(int(recv_message(p.b.get(), kVer, &m, 1000)), int(RecvStatus::kClosed));
  assert_false(send_message(p.b.get(), kVer, 2, 1, Bytes()));  // EPIPE, no SIGPIPE
}

void test_call(void**) {
  Pair p;
  // The peer's answer is queued first; call() sends the request, then reads it.
  const uint8_t ans[] = {9, 9};
  assert_true(send_message(p.b.get(), kVer, 5, 11, Bytes(ans, 2)));
  Message answer;
  const uint8_t req[] = {1};
  assert_int_equal(int(call(p.a.get(), kVer, 4, 11, Bytes(req, 1), &answer, 1000)), int(RecvStatus::kOk));
  assert_int_equal(answer.type, 5);
  assert_int_equal(answer.payload.size(), 2);
  Message got;
  assert_int_equal(int(recv_message(p.b.get(), kVer, &got, 1000)), int(RecvStatus::kOk));
  assert_int_equal(got.type, 4);
  assert_int_equal(got.seq, 11);
  // Answer with another seq, or of another type, is a violation.
  assert_true(send_message(p.b.get(), kVer, 5, 12, Bytes()));
  assert_int_equal(int(call(p.a.get(), kVer, 4, 13, Bytes(), &answer, 1000)), int(RecvStatus::kViolation));
  assert_true(send_message(p.b.get(), kVer, 7, 14, Bytes()));
  assert_int_equal(int(call(p.a.get(), kVer, 4, 14, Bytes(), &answer, 1000)), int(RecvStatus::kViolation));
  // A request echoed back (even type) is not an answer.
  assert_true(send_message(p.b.get(), kVer, 4, 15, Bytes()));
  assert_int_equal(int(call(p.a.get(), kVer, 4, 15, Bytes(), &answer, 1000)), int(RecvStatus::kViolation));
}

void test_call_timeout_silent_peer(void**) {
  Pair p;
  Message answer;
  int64_t t0 = now_ms();
  assert_int_equal(int(call(p.a.get(), kVer, 4, 1, Bytes(), &answer, 150)), int(RecvStatus::kTimeout));
  int64_t dt = now_ms() - t0;
  assert_true(dt >= 140);
  assert_true(dt < 2000);
  // A dead peer is reported at once, not after the timeout.
  p.b.reset();
  t0 = now_ms();
  RecvStatus st = call(p.a.get(), kVer, 4, 2, Bytes(), &answer, 5000);
  assert_int_equal(int(st), int(RecvStatus::kClosed));
  assert_true(now_ms() - t0 < 1000);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pair_is_cloexec_seqpacket),
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_max_payload),
      cmocka_unit_test(test_fd_passing),
      cmocka_unit_test(test_two_fds_is_violation),
      cmocka_unit_test(test_malformed_packets),
      cmocka_unit_test(test_parse_packet),
      cmocka_unit_test(test_closed_peer),
      cmocka_unit_test(test_call),
      cmocka_unit_test(test_call_timeout_silent_peer),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
