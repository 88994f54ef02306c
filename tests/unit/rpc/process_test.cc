// The smbd-rpc process as smbd-master runs it: fd 3 is the master channel,
// session channels arrive with master::Attach. Exercises main() and the
// event loop (sandbox included): hello, attach, pipe traffic, reload, a
// contract violation that closes one channel only, and exit when the master
// goes away. Run from the build directory (make check), where the binary is
// smbd-rpc/smbd-rpc; RPC_BINARY overrides the path.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "common/ipc/channel.h"
#include "common/ipc/fds.h"
#include "common/ipc/master_proto.h"
#include "common/ipc/rpc_proto.h"
#include "tests/unit/rpc/rpc_test_util.h"

// cmocka last: it defines fail() and skip() as macros that clash with
// ByteReader members; the tests never call cmocka's skip().
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}
#undef skip

using namespace rpctest;
using cifsd::UniqueFd;
namespace ipc = cifsd::ipc;
namespace mst = cifsd::ipc::master;
namespace ipcr = cifsd::ipc::rpc;
namespace status = cifsd::status;

namespace {

template <typename M>
std::vector<uint8_t> enc(const M& m) {
  ByteWriter w;
  m.encode(w);
  return w.take();
}

struct Child {
  pid_t pid = -1;
  UniqueFd master;
};

Child spawn(const char* config_text) {
  Child c;
  UniqueFd ours, theirs;
  assert_true(ipc::make_pair(&ours, &theirs));
  const char* bin = getenv("RPC_BINARY");
  if (!bin) bin = "smbd-rpc/smbd-rpc";
  assert_int_equal(access(bin, X_OK), 0);
  c.pid = fork();
  assert_true(c.pid >= 0);
  if (c.pid == 0) {
    // dup2 onto itself keeps close-on-exec, so clear it explicitly.
    if (theirs.get() == ipc::kFdMaster) fcntl(ipc::kFdMaster, F_SETFD, 0);
    else if (dup2(theirs.get(), ipc::kFdMaster) < 0) _exit(120);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0 && !getenv("RPC_TEST_VERBOSE")) dup2(null, 2);
    execl(bin, "smbd-rpc", static_cast<char*>(nullptr));
    _exit(121);
  }
  theirs.reset();
  c.master = std::move(ours);
  ipc::Message m;
  assert_int_equal(int(ipc::recv_message(c.master.get(), mst::kVersion, &m, 5000)),
                   int(ipc::RecvStatus::kOk));
  assert_int_equal(m.type, mst::kHello);
  auto h = mst::Hello::decode(m.body());
  assert_true(h.has_value());
  assert_int_equal(int(h->role), int(mst::Role::kRpc));
  mst::HelloAnswer a;
  a.config_text = config_text;
  a.log_level = 1;
  auto b = enc(a);
  assert_true(ipc::send_message(c.master.get(), mst::kVersion, mst::kHelloAnswer, m.seq,
                                {b.data(), b.size()}));
  return c;
}

UniqueFd attach(Child& c, uint32_t seq, uint64_t id) {
  UniqueFd ours, theirs;
  assert_true(ipc::make_pair(&ours, &theirs));
  mst::Attach at;
  at.connection_id = id;
  at.client_ip = "127.0.0.1";
  auto b = enc(at);
  assert_true(ipc::send_message(c.master.get(), mst::kVersion, mst::kAttach, seq,
                                {b.data(), b.size()}, theirs.get()));
  ipc::Message m;
  assert_int_equal(int(ipc::recv_message(c.master.get(), mst::kVersion, &m, 5000)),
                   int(ipc::RecvStatus::kOk));
  assert_int_equal(m.type, mst::kAttachAnswer);
  assert_int_equal(m.seq, seq);
  auto s = mst::StatusAnswer::decode(m.body());
  assert_true(s.has_value());
  assert_int_equal(s->status, status::kSuccess);
  return ours;
}

ipc::Message rpc_call(int fd, uint16_t type, const std::vector<uint8_t>& payload, uint32_t seq) {
  ipc::Message m;
  assert_int_equal(int(ipc::call(fd, ipcr::kVersion, type, seq, {payload.data(), payload.size()},
                                 &m, 5000)),
                   int(ipc::RecvStatus::kOk));
  return m;
}

std::vector<uint8_t> server_info_request(uint32_t call_id) {
  Stub s;
  s.u32(0);
  s.u32(101);
  auto stub = s.take();
  return request(call_id, 0, 21, {stub.data(), stub.size()});
}

bool contains_utf16(const std::vector<uint8_t>& hay, const std::string& ascii) {
  auto needle = cifsd::utf8_to_utf16le(ascii);
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

void test_process(void**) {
  Child c = spawn("[global]\n\tnetbios name = PROCBOX\n[data]\n\tpath = /srv\n");
  UniqueFd s1 = attach(c, 10, 1);
  UniqueFd s2 = attach(c, 12, 2);

  rpc_call(s1.get(), ipcr::kHello, enc(ipcr::Hello{}), 2);
  ipcr::Open o;
  o.handle = 5;
  o.pipe = "srvsvc";
  o.user = "alice";
  auto m = rpc_call(s1.get(), ipcr::kOpen, enc(o), 4);
  assert_int_equal(ipcr::StatusAnswer::decode(m.body())->status, status::kSuccess);
  ipcr::Write w;
  w.handle = 5;
  w.data = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
  m = rpc_call(s1.get(), ipcr::kWrite, enc(w), 6);
  assert_int_equal(ipcr::StatusAnswer::decode(m.body())->status, status::kSuccess);
  m = rpc_call(s1.get(), ipcr::kRead, enc(ipcr::Read{5, 4280}), 8);
  auto d = ipcr::DataAnswer::decode(m.body());
  assert_true(d.has_value());
  assert_int_equal(d->status, status::kSuccess);
  assert_int_equal(d->data[2], 12);  // bind_ack

  ipcr::Transceive t;
  t.handle = 5;
  t.max = 4280;
  t.data = server_info_request(2);
  m = rpc_call(s1.get(), ipcr::kTransceive, enc(t), 10);
  d = ipcr::DataAnswer::decode(m.body());
  assert_int_equal(d->status, status::kSuccess);
  assert_true(contains_utf16(d->data, "PROCBOX"));

  // Reload: the next call sees the new name.
  mst::Reload rl;
  rl.config_text = "[global]\n\tnetbios name = NEWNAME\n";
  auto rb = enc(rl);
  ipc::Message rm;
  assert_int_equal(int(ipc::call(c.master.get(), mst::kVersion, mst::kReload, 14,
                                 {rb.data(), rb.size()}, &rm, 5000)),
                   int(ipc::RecvStatus::kOk));
  assert_int_equal(mst::StatusAnswer::decode(rm.body())->status, status::kSuccess);
  t.data = server_info_request(3);
  m = rpc_call(s1.get(), ipcr::kTransceive, enc(t), 12);
  d = ipcr::DataAnswer::decode(m.body());
  assert_true(contains_utf16(d->data, "NEWNAME"));

  // A violation on channel 2 (no Hello first) closes channel 2 only.
  auto ob = enc(o);
  assert_true(ipc::send_message(s2.get(), ipcr::kVersion, ipcr::kOpen, 2, {ob.data(), ob.size()}));
  ipc::Message gone;
  assert_int_equal(int(ipc::recv_message(s2.get(), ipcr::kVersion, &gone, 5000)),
                   int(ipc::RecvStatus::kClosed));
  t.data = server_info_request(4);
  m = rpc_call(s1.get(), ipcr::kTransceive, enc(t), 14);
  assert_int_equal(ipcr::DataAnswer::decode(m.body())->status, status::kSuccess);

  // The master goes away: smbd-rpc exits cleanly.
  c.master.reset();
  int st = 0;
  for (int i = 0; i < 100 && waitpid(c.pid, &st, WNOHANG) == 0; i++) usleep(50000);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

void test_bad_hello_answer(void**) {
  UniqueFd ours, theirs;
  assert_true(ipc::make_pair(&ours, &theirs));
  const char* bin = getenv("RPC_BINARY");
  if (!bin) bin = "smbd-rpc/smbd-rpc";
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    // dup2 onto itself keeps close-on-exec, so clear it explicitly.
    if (theirs.get() == ipc::kFdMaster) fcntl(ipc::kFdMaster, F_SETFD, 0);
    else if (dup2(theirs.get(), ipc::kFdMaster) < 0) _exit(120);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 2);
    execl(bin, "smbd-rpc", static_cast<char*>(nullptr));
    _exit(121);
  }
  theirs.reset();
  ipc::Message m;
  assert_int_equal(int(ipc::recv_message(ours.get(), mst::kVersion, &m, 5000)),
                   int(ipc::RecvStatus::kOk));
  uint8_t junk[3] = {1, 2, 3};
  assert_true(ipc::send_message(ours.get(), mst::kVersion, mst::kHelloAnswer, m.seq, {junk, 3}));
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 1);
}

}  // namespace

int main() {
  signal(SIGPIPE, SIG_IGN);
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_process),
      cmocka_unit_test(test_bad_hello_answer),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
