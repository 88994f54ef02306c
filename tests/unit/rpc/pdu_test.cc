// DCE/RPC framing on a Pipe: bind/bind_ack negotiation, presentation
// context results, fragmentation both ways, and every malformed-PDU path.

#include <cstring>

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
using cifsd::rpc::Pipe;
using cifsd::rpc::RpcEnv;
namespace status = cifsd::status;

namespace {

struct Result { uint16_t result, reason; std::vector<uint8_t> syntax; };
struct Ack {
  uint8_t ptype = 0;
  uint32_t call_id = 0;
  uint16_t max_xmit = 0, max_recv = 0;
  uint32_t assoc = 0;
  std::string sec_addr;
  std::vector<Result> results;
  bool ok = false;
};

Ack parse_ack(const std::vector<uint8_t>& m) {
  Ack a;
  ByteReader r({m.data(), m.size()});
  r.skip(2);
  a.ptype = r.u8();
  r.skip(5);
  uint16_t frag = r.u16();
  r.u16();
  a.call_id = r.u32();
  a.max_xmit = r.u16();
  a.max_recv = r.u16();
  a.assoc = r.u32();
  uint16_t n = r.u16();
  Bytes s = r.bytes(n);
  if (n) a.sec_addr.assign(reinterpret_cast<const char*>(s.data()), n ? n - 1 : 0);
  r.align(4);
  uint8_t count = r.u8();
  r.skip(3);
  for (int i = 0; i < count; i++) {
    Result x;
    x.result = r.u16();
    x.reason = r.u16();
    Bytes sx = r.bytes(20);
    x.syntax.assign(sx.begin(), sx.end());
    a.results.push_back(x);
  }
  a.ok = r.ok() && r.at_end() && frag == m.size();
  return a;
}

struct Fault { uint8_t ptype = 0, flags = 0; uint32_t call_id = 0, status = 0; bool ok = false; };
Fault parse_fault(const std::vector<uint8_t>& m) {
  Fault f;
  ByteReader r({m.data(), m.size()});
  r.skip(2);
  f.ptype = r.u8();
  f.flags = r.u8();
  r.skip(4);
  uint16_t frag = r.u16();
  r.u16();
  f.call_id = r.u32();
  r.skip(8);
  f.status = r.u32();
  r.u32();
  f.ok = r.ok() && r.at_end() && frag == 32 && f.ptype == 3;
  return f;
}

struct Fixture {
  RpcEnv env;
  Pipe pipe;
  explicit Fixture(const char* name = "srvsvc") : pipe(name, "alice", env) {
    env.config = test_config();
  }
  std::vector<std::vector<uint8_t>> send(const std::vector<uint8_t>& pdu) {
    assert_int_equal(pipe.write({pdu.data(), pdu.size()}), status::kSuccess);
    return drain(pipe);
  }
  void bind_srvsvc() {
    auto out = send(bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}}));
    assert_int_equal(out.size(), 1);
    Ack a = parse_ack(out[0]);
    assert_true(a.ok);
    assert_int_equal(a.results[0].result, 0);
  }
};

void test_bind_ack(void**) {
  Fixture f;
  auto out = f.send(bind(7, {{0, kSrvsvc, 3, 0, {kNdr20}}}));
  assert_int_equal(out.size(), 1);
  Ack a = parse_ack(out[0]);
  assert_true(a.ok);
  assert_int_equal(a.ptype, 12);
  assert_int_equal(a.call_id, 7);
  assert_int_equal(a.max_xmit, 4280);
  assert_int_equal(a.max_recv, 4280);
  assert_int_not_equal(a.assoc, 0);
  assert_string_equal(a.sec_addr.c_str(), "\\PIPE\\srvsvc");
  assert_int_equal(a.results.size(), 1);
  assert_int_equal(a.results[0].result, 0);
  auto ndr = uuid(kNdr20);
  assert_memory_equal(a.results[0].syntax.data(), ndr.data(), 16);
  assert_int_equal(a.results[0].syntax[16], 2);
  // A second bind on the association is a protocol error.
  out = f.send(bind(8, {{0, kSrvsvc, 3, 0, {kNdr20}}}));
  assert_int_equal(out.size(), 1);
  assert_int_equal(out[0][2], 13);  // bind_nak
  assert_true(f.pipe.broken());
}

void test_bind_frag_negotiation(void**) {
  Fixture f;
  auto out = f.send(bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}}, 11, 2000, 1500));
  Ack a = parse_ack(out[0]);
  assert_true(a.ok);
  assert_int_equal(a.max_xmit, 1500);  // what the client can receive
  assert_int_equal(a.max_recv, 2000);
  Fixture g;
  out = g.send(bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}}, 11, 1000, 1000));
  assert_int_equal(out[0][2], 13);
  assert_int_equal(out[0][16], 2);  // local limit exceeded
}

void test_transfer_syntaxes(void**) {
  Fixture f;
  auto out = f.send(bind(1, {{0, kSrvsvc, 3, 0, {kNdr64}},
                             {1, kSrvsvc, 3, 0, {kNdr20}},
                             {2, kSrvsvc, 3, 0, {kBtfn}},
                             {3, kLsarpc, 0, 0, {kNdr20}},
                             {4, kSrvsvc, 2, 0, {kNdr20}},
                             {5, kSrvsvc, 3, 0, {kNdr64, kNdr20}}}));
  Ack a = parse_ack(out[0]);
  assert_true(a.ok);
  assert_int_equal(a.results.size(), 6);
  assert_int_equal(a.results[0].result, 2);  // provider rejection
  assert_int_equal(a.results[0].reason, 2);  // proposed transfer syntaxes not supported
  assert_int_equal(a.results[1].result, 0);
  assert_int_equal(a.results[2].result, 3);  // negotiate_ack
  assert_int_equal(a.results[2].reason, 2);  // keep connection on orphan only
  assert_int_equal(a.results[3].result, 2);  // lsarpc is not on \PIPE\srvsvc
  assert_int_equal(a.results[3].reason, 1);
  assert_int_equal(a.results[4].reason, 1);  // wrong major version
  assert_int_equal(a.results[5].result, 0);  // NDR20 picked from a list
  // The rejected context cannot carry calls; the accepted one can.
  Stub s;
  s.u32(0);
  s.u32(101);
  auto stub = s.take();
  out = f.send(request(2, 0, 21, {stub.data(), stub.size()}));
  Fault ft = parse_fault(out[0]);
  assert_true(ft.ok);
  assert_int_equal(ft.status, 0x1c010003);
  out = f.send(request(3, 1, 21, {stub.data(), stub.size()}));
  bool ok = false;
  response_stub(out, 3, &ok);
  assert_true(ok);
}

void test_alter_context(void**) {
  Fixture f("lsarpc");
  auto out = f.send(bind(1, {{0, kLsarpc, 0, 0, {kNdr20}}}));
  assert_int_equal(parse_ack(out[0]).results[0].result, 0);
  out = f.send(bind(2, {{1, "12345778-1234-abcd-ef00-0123456789ac", 1, 0, {kNdr20}}}, 14));
  Ack a = parse_ack(out[0]);
  assert_true(a.ok);
  assert_int_equal(a.ptype, 15);
  assert_string_equal(a.sec_addr.c_str(), "");
  assert_int_equal(a.results[0].result, 0);
  // lsarpc and samr bind but implement nothing: op range error, did not execute.
  out = f.send(request(3, 1, 0, {}));
  Fault ft = parse_fault(out[0]);
  assert_true(ft.ok);
  assert_int_equal(ft.status, 0x1c010002);
  assert_true(ft.flags & 0x20);
}

void test_unknown_opnum(void**) {
  Fixture f;
  f.bind_srvsvc();
  auto out = f.send(request(9, 0, 200, {}));
  assert_int_equal(out.size(), 1);
  Fault ft = parse_fault(out[0]);
  assert_true(ft.ok);
  assert_int_equal(ft.call_id, 9);
  assert_int_equal(ft.status, 0x1c010002);
  assert_false(f.pipe.broken());
}

void test_short_and_partial(void**) {
  Fixture f;
  auto pdu = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
  // Byte by byte: nothing until the last byte, then exactly one bind_ack.
  for (size_t i = 0; i + 1 < pdu.size(); i++) {
    assert_int_equal(f.pipe.write({&pdu[i], 1}), status::kSuccess);
    std::vector<uint8_t> m;
    assert_int_equal(f.pipe.read(100, &m), status::kPipeEmpty);
  }
  auto out = f.send({pdu.back()});
  assert_int_equal(out.size(), 1);
  assert_true(parse_ack(out[0]).ok);
}

void test_frag_length_lies(void**) {
  {
    Fixture f;  // frag_length smaller than the header
    auto pdu = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
    pdu[8] = 10; pdu[9] = 0;
    auto out = f.send(pdu);
    assert_int_equal(out.size(), 1);
    assert_int_equal(out[0][2], 13);
    assert_true(f.pipe.broken());
    assert_int_equal(f.pipe.write({pdu.data(), pdu.size()}), status::kPipeDisconnected);
    std::vector<uint8_t> m;
    assert_int_equal(f.pipe.read(100, &m), status::kPipeDisconnected);
  }
  {
    Fixture f;  // frag_length beyond the negotiated maximum
    f.bind_srvsvc();
    auto pdu = request(2, 0, 21, {});
    pdu[8] = 0xff; pdu[9] = 0xff;
    auto out = f.send(pdu);
    Fault ft = parse_fault(out[0]);
    assert_true(ft.ok);
    assert_int_equal(ft.status, 0x1c01000b);
    assert_true(f.pipe.broken());
  }
  {
    Fixture f;  // frag_length shorter than the bind body it claims
    auto pdu = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
    pdu[8] = 30; pdu[9] = 0;
    auto out = f.send(pdu);
    assert_int_equal(out[0][2], 13);
    assert_true(f.pipe.broken());
  }
}

void test_wrong_version_and_drep(void**) {
  {
    Fixture f;
    auto pdu = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
    pdu[0] = 4;
    auto out = f.send(pdu);
    assert_int_equal(out[0][2], 13);
    assert_int_equal(out[0][16], 4);  // protocol version not supported
  }
  {
    Fixture f;  // big-endian sender: bind_nak, association ends
    auto pdu = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
    pdu[4] = 0x00;
    std::swap(pdu[8], pdu[9]);
    std::swap(pdu[12], pdu[15]);
    std::swap(pdu[13], pdu[14]);
    auto out = f.send(pdu);
    assert_int_equal(out.size(), 1);
    assert_int_equal(out[0][2], 13);
    assert_int_equal(out[0][12], 1);  // call id read in the sender's order
  }
}

void test_request_before_bind_and_auth(void**) {
  {
    Fixture f;
    auto out = f.send(request(4, 0, 15, {}));
    Fault ft = parse_fault(out[0]);
    assert_true(ft.ok);
    assert_int_equal(ft.status, 0x1c01000b);
  }
  {
    Fixture f;  // an authenticated bind is refused with bind_nak
    auto pdu = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}});
    pdu[10] = 8;
    auto out = f.send(pdu);
    assert_int_equal(out[0][2], 13);
    assert_int_equal(out[0][16], 8);
  }
  {
    Fixture f;  // server-only PDU types from a client
    f.bind_srvsvc();
    ByteWriter w;
    header(w, 2, 3, 5);
    w.zeros(8);
    auto out = f.send(done(w));
    assert_int_equal(parse_fault(out[0]).status, 0x1c01000b);
  }
}

std::vector<uint8_t> server_info_stub() {
  Stub s;
  s.ptr();
  s.wstr("\\\\127.0.0.1");
  s.u32(101);
  return s.take();
}

void test_huge_alloc_hint(void**) {
  Fixture f;
  f.bind_srvsvc();
  auto stub = server_info_stub();
  auto out = f.send(request(6, 0, 21, {stub.data(), stub.size()}, 3, 0xffffffffu));
  bool ok = false;
  auto rs = response_stub(out, 6, &ok);
  assert_true(ok);
  assert_true(rs.size() > 8);
}

void test_request_reassembly(void**) {
  Fixture f;
  f.bind_srvsvc();
  auto stub = server_info_stub();
  size_t half = stub.size() / 2;
  auto p1 = request(11, 0, 21, {stub.data(), half}, 1);
  auto p2 = request(11, 0, 21, {stub.data() + half, stub.size() - half}, 0);
  auto p3 = request(11, 0, 21, {}, 2);
  assert_int_equal(f.send(p1).size(), 0);
  assert_int_equal(f.send(p2).size(), 0);
  bool ok = false;
  auto rs = response_stub(f.send(p3), 11, &ok);
  assert_true(ok);
  StubReader r(rs);
  assert_int_equal(r.u32(), 101);
  // A middle fragment of a call never started is a protocol error.
  auto out = f.send(request(12, 0, 21, {stub.data(), stub.size()}, 0));
  assert_int_equal(parse_fault(out[0]).status, 0x1c01000b);
  assert_true(f.pipe.broken());
}

void test_reassembly_overflow(void**) {
  Fixture f;
  f.bind_srvsvc();
  std::vector<uint8_t> chunk(4000, 0x41);
  auto first = request(13, 0, 15, {chunk.data(), chunk.size()}, 1);
  auto mid = request(13, 0, 15, {chunk.data(), chunk.size()}, 0);
  assert_int_equal(f.send(first).size(), 0);
  size_t sent = chunk.size();
  std::vector<std::vector<uint8_t>> out;
  while (out.empty() && sent < (5u << 20)) {
    out = f.send(mid);
    sent += chunk.size();
  }
  assert_int_equal(out.size(), 1);
  assert_true(sent > (4u << 20));  // the cap is 4 MiB, not less
  Fault ft = parse_fault(out[0]);
  assert_true(ft.ok);
  assert_int_equal(ft.call_id, 13);
  assert_int_equal(ft.status, 0x1c00001b);
  assert_true(f.pipe.broken());
}

void test_response_fragmentation_and_short_reads(void**) {
  // Many shares and a client that receives 1432-byte fragments.
  std::string text = kTestConfig;
  for (int i = 0; i < 60; i++)
    text += "[share" + std::to_string(i) + "]\n\tpath = /srv/s\n\tcomment = a fairly long comment " +
            std::to_string(i) + "\n";
  RpcEnv env;
  env.config = test_config(text.c_str());
  assert_non_null(env.config.get());
  Pipe pipe("srvsvc", "bob", env);
  auto b = bind(1, {{0, kSrvsvc, 3, 0, {kNdr20}}}, 11, 4280, 1432);
  pipe.write({b.data(), b.size()});
  drain(pipe);
  Stub s;
  s.u32(0);            // ServerName NULL
  s.u32(1); s.u32(1);  // level, switch
  s.ptr(); s.u32(0); s.u32(0);  // container, count 0, NULL buffer
  s.u32(0xffffffff);   // preferred max length
  s.u32(0);            // resume handle NULL
  auto stub = s.take();
  auto req = request(2, 0, 15, {stub.data(), stub.size()});
  pipe.write({req.data(), req.size()});
  // Read the first fragment in two short reads: BUFFER_OVERFLOW, then SUCCESS.
  std::vector<uint8_t> a, c;
  assert_int_equal(pipe.read(100, &a), status::kBufferOverflow);
  assert_int_equal(a.size(), 100);
  assert_int_equal(pipe.read(65536, &c), status::kSuccess);
  a.insert(a.end(), c.begin(), c.end());
  assert_int_equal(a.size(), 1432);
  auto rest = drain(pipe);
  assert_true(rest.size() >= 2);
  rest.insert(rest.begin(), a);
  for (auto& m : rest) assert_true(m.size() <= 1432);
  bool ok = false;
  auto rs = response_stub(rest, 2, &ok);
  assert_true(ok);
  StubReader r(rs);
  assert_int_equal(r.u32(), 1);
  assert_int_equal(r.u32(), 1);
  r.u32();
  assert_int_equal(r.u32(), 63);  // data, hidden$, 60 more and IPC$; nobrowse omitted
}

void test_orphaned_and_cancel(void**) {
  Fixture f;
  f.bind_srvsvc();
  auto stub = server_info_stub();
  assert_int_equal(f.send(request(20, 0, 21, {stub.data(), 4}, 1)).size(), 0);
  ByteWriter w;
  header(w, 19, 3, 20);  // orphaned
  assert_int_equal(f.send(done(w)).size(), 0);
  // A new call starts cleanly after the orphan.
  bool ok = false;
  response_stub(f.send(request(21, 0, 21, {stub.data(), stub.size()})), 21, &ok);
  assert_true(ok);
  assert_false(f.pipe.broken());
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_bind_ack),
      cmocka_unit_test(test_bind_frag_negotiation),
      cmocka_unit_test(test_transfer_syntaxes),
      cmocka_unit_test(test_alter_context),
      cmocka_unit_test(test_unknown_opnum),
      cmocka_unit_test(test_short_and_partial),
      cmocka_unit_test(test_frag_length_lies),
      cmocka_unit_test(test_wrong_version_and_drep),
      cmocka_unit_test(test_request_before_bind_and_auth),
      cmocka_unit_test(test_huge_alloc_hint),
      cmocka_unit_test(test_request_reassembly),
      cmocka_unit_test(test_reassembly_overflow),
      cmocka_unit_test(test_response_fragmentation_and_short_reads),
      cmocka_unit_test(test_orphaned_and_cancel),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
