// rpc_proto between smbd-session and smbd-rpc: message round trips, strict
// decoding, and the per-channel state machine of SessionChannel.

#include "common/ipc/rpc_proto.h"
#include "smbd-rpc/session_channel.h"
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
namespace ipcr = cifsd::ipc::rpc;
namespace status = cifsd::status;
using cifsd::rpc::RpcEnv;
using cifsd::rpc::SessionChannel;

namespace {

template <typename M>
std::vector<uint8_t> enc(const M& m) {
  ByteWriter w;
  m.encode(w);
  return w.take();
}

template <typename M>
void check_strict(const M& m) {
  auto b = enc(m);
  assert_true(M::decode({b.data(), b.size()}).has_value());
  for (size_t n = 0; n < b.size(); n++) assert_false(M::decode({b.data(), n}).has_value());
  b.push_back(0);
  assert_false(M::decode({b.data(), b.size()}).has_value());
}

void test_round_trips(void**) {
  ipcr::Open o;
  o.handle = 77;
  o.pipe = "srvsvc";
  o.user = "alice";
  auto b = enc(o);
  auto od = ipcr::Open::decode({b.data(), b.size()});
  assert_true(od.has_value());
  assert_int_equal(od->handle, 77);
  assert_string_equal(od->pipe.c_str(), "srvsvc");
  assert_string_equal(od->user.c_str(), "alice");
  check_strict(o);

  ipcr::Transceive t;
  t.handle = 3;
  t.max = 4280;
  t.data = {1, 2, 3};
  b = enc(t);
  auto td = ipcr::Transceive::decode({b.data(), b.size()});
  assert_true(td.has_value());
  assert_int_equal(td->max, 4280);
  assert_int_equal(td->data.size(), 3);
  check_strict(t);

  ipcr::DataAnswer d;
  d.status = status::kBufferOverflow;
  d.data = {9, 9};
  b = enc(d);
  auto dd = ipcr::DataAnswer::decode({b.data(), b.size()});
  assert_true(dd.has_value());
  assert_int_equal(dd->status, status::kBufferOverflow);
  check_strict(d);

  check_strict(ipcr::Hello{});
  check_strict(ipcr::Read{1, 100});
  check_strict(ipcr::Close{1});
  check_strict(ipcr::StatusAnswer{0});
  ipcr::Write wr;
  wr.handle = 1;
  wr.data = {1};
  check_strict(wr);

  // A NUL inside the pipe name, and an oversized blob, are refused.
  ByteWriter w;
  w.u32(1);
  w.u32(3); w.str(std::string_view("a\0b", 3));
  w.u32(0);
  assert_false(ipcr::Open::decode(w.view()).has_value());
  ByteWriter w2;
  w2.u32(1);
  w2.u32(uint32_t(ipcr::kMaxData + 1));
  w2.zeros(ipcr::kMaxData + 1);
  assert_false(ipcr::Write::decode(w2.view()).has_value());
}

struct Chan {
  RpcEnv env;
  SessionChannel ch;
  Chan() : ch(env) { env.config = test_config(); }
  bool send(uint16_t type, const std::vector<uint8_t>& p, uint16_t* at,
            std::vector<uint8_t>* ans) {
    return ch.handle(type, {p.data(), p.size()}, at, ans);
  }
  uint32_t status_of(uint16_t type, const std::vector<uint8_t>& p) {
    uint16_t at = 0;
    std::vector<uint8_t> ans;
    assert_true(send(type, p, &at, &ans));
    assert_int_equal(at, type | 1);
    auto s = ipcr::StatusAnswer::decode({ans.data(), ans.size()});
    assert_true(s.has_value());
    return s->status;
  }
  ipcr::DataAnswer data_of(uint16_t type, const std::vector<uint8_t>& p) {
    uint16_t at = 0;
    std::vector<uint8_t> ans;
    assert_true(send(type, p, &at, &ans));
    auto d = ipcr::DataAnswer::decode({ans.data(), ans.size()});
    assert_true(d.has_value());
    return *d;
  }
  void hello() {
    uint16_t at = 0;
    std::vector<uint8_t> ans;
    assert_true(send(ipcr::kHello, enc(ipcr::Hello{}), &at, &ans));
    assert_int_equal(at, ipcr::kHelloAnswer);
  }
};

ipcr::Open open_msg(uint32_t h, const char* pipe) {
  ipcr::Open o;
  o.handle = h;
  o.pipe = pipe;
  o.user = "alice";
  return o;
}

void test_state_machine(void**) {
  {
    Chan c;  // nothing before Hello
    uint16_t at;
    std::vector<uint8_t> ans;
    assert_false(c.send(ipcr::kOpen, enc(open_msg(1, "srvsvc")), &at, &ans));
  }
  {
    Chan c;  // wrong version
    uint16_t at;
    std::vector<uint8_t> ans;
    assert_false(c.send(ipcr::kHello, enc(ipcr::Hello{99}), &at, &ans));
  }
  Chan c;
  c.hello();
  uint16_t at;
  std::vector<uint8_t> ans;
  assert_false(c.send(ipcr::kHello, enc(ipcr::Hello{}), &at, &ans));  // only once
  assert_false(c.send(ipcr::kHelloAnswer, {}, &at, &ans));            // answers are not requests
  assert_false(c.send(99, {}, &at, &ans));
  auto open = enc(open_msg(1, "srvsvc"));
  open.pop_back();  // truncated
  assert_false(c.send(ipcr::kOpen, open, &at, &ans));
}

void test_pipe_traffic(void**) {
  Chan c;
  c.hello();
  assert_int_equal(c.status_of(ipcr::kOpen, enc(open_msg(1, "srvsvc"))), status::kSuccess);
  assert_int_equal(c.status_of(ipcr::kOpen, enc(open_msg(1, "wkssvc"))), status::kInvalidHandle);
  assert_int_equal(c.status_of(ipcr::kOpen, enc(open_msg(2, "spoolss"))),
                   status::kObjectNameNotFound);
  assert_int_equal(c.status_of(ipcr::kOpen, enc(open_msg(3, "LSASS"))), status::kSuccess);
  assert_int_equal(c.status_of(ipcr::kClose, enc(ipcr::Close{3})), status::kSuccess);
  // Nothing queued yet.
  auto d = c.data_of(ipcr::kRead, enc(ipcr::Read{1, 4280}));
  assert_int_equal(d.status, status::kPipeEmpty);
  // Bind by Write + Read, call by Transceive.
  ipcr::Write w;
  w.handle = 1;
  w.data = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
  assert_int_equal(c.status_of(ipcr::kWrite, enc(w)), status::kSuccess);
  d = c.data_of(ipcr::kRead, enc(ipcr::Read{1, 10}));
  assert_int_equal(d.status, status::kBufferOverflow);
  assert_int_equal(d.data.size(), 10);
  assert_int_equal(d.data[2], 12);
  d = c.data_of(ipcr::kRead, enc(ipcr::Read{1, 4280}));
  assert_int_equal(d.status, status::kSuccess);
  Stub s;
  s.u32(0);
  s.u32(100);
  auto stub = s.take();
  ipcr::Transceive t;
  t.handle = 1;
  t.max = 4280;
  t.data = request(2, 0, 21, {stub.data(), stub.size()});
  d = c.data_of(ipcr::kTransceive, enc(t));
  assert_int_equal(d.status, status::kSuccess);
  assert_int_equal(d.data[2], 2);  // response
  // Transceive while data waits: pipe busy.
  w.data = t.data;
  assert_int_equal(c.status_of(ipcr::kWrite, enc(w)), status::kSuccess);
  d = c.data_of(ipcr::kTransceive, enc(t));
  assert_int_equal(d.status, status::kPipeBusy);
  // Unknown handles.
  w.handle = 42;
  assert_int_equal(c.status_of(ipcr::kWrite, enc(w)), status::kInvalidHandle);
  assert_int_equal(c.data_of(ipcr::kRead, enc(ipcr::Read{42, 1})).status, status::kInvalidHandle);
  assert_int_equal(c.status_of(ipcr::kClose, enc(ipcr::Close{1})), status::kSuccess);
  assert_int_equal(c.status_of(ipcr::kClose, enc(ipcr::Close{1})), status::kInvalidHandle);
  assert_int_equal(c.ch.open_pipes(), 0);
}

void test_pipe_cap(void**) {
  Chan c;
  c.hello();
  for (uint32_t h = 0; h < cifsd::rpc::kMaxPipesPerChannel; h++)
    assert_int_equal(c.status_of(ipcr::kOpen, enc(open_msg(h, "lsarpc"))), status::kSuccess);
  assert_int_equal(c.status_of(ipcr::kOpen, enc(open_msg(1000, "samr"))),
                   status::kTooManyOpenedFiles);
  assert_int_equal(c.status_of(ipcr::kClose, enc(ipcr::Close{0})), status::kSuccess);
  assert_int_equal(c.status_of(ipcr::kOpen, enc(open_msg(1000, "samr"))), status::kSuccess);
}

void test_channel_budget(void**) {
  // Five pipes each reassembling close to 4 MiB exceed the channel's 16 MiB.
  Chan c;
  c.hello();
  std::vector<uint8_t> chunk(4000, 0x41);
  auto first = request(1, 0, 15, {chunk.data(), chunk.size()}, 1);
  auto mid = request(1, 0, 15, {chunk.data(), chunk.size()}, 0);
  uint32_t refused = 0;
  for (uint32_t h = 0; h < 5; h++) {
    assert_int_equal(c.status_of(ipcr::kOpen, enc(open_msg(h, "srvsvc"))), status::kSuccess);
    ipcr::Write w;
    w.handle = h;
    w.data = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
    assert_int_equal(c.status_of(ipcr::kWrite, enc(w)), status::kSuccess);
    assert_int_equal(c.data_of(ipcr::kRead, enc(ipcr::Read{h, 4280})).status, status::kSuccess);
    w.data = first;
    for (int i = 0; i < 1000; i++) {
      uint32_t st = c.status_of(ipcr::kWrite, enc(w));
      if (st == status::kInsufficientResources) { refused++; break; }
      assert_int_equal(st, status::kSuccess);
      w.data = mid;
    }
  }
  assert_int_equal(refused, 1);  // only the fifth pipe hits the channel budget
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_state_machine),
      cmocka_unit_test(test_pipe_traffic),
      cmocka_unit_test(test_pipe_cap),
      cmocka_unit_test(test_channel_budget),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
