// srvsvc and wkssvc calls: requests built here, responses decoded here.

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

namespace {

struct Fixture {
  RpcEnv env;
  Pipe pipe;
  uint32_t call = 1;
  Fixture(const char* name, const char* iface, uint16_t major, const char* user = "alice",
          const char* conf = kTestConfig)
      : pipe(name, user, env) {
    env.config = test_config(conf);
    auto b = bind(call++, {{0, iface, major, 0, {kNdr20}}});
    pipe.write({b.data(), b.size()});
    auto out = drain(pipe);
    assert_int_equal(out.size(), 1);
    assert_int_equal(out[0][2], 12);
  }
  std::vector<uint8_t> call_op(uint16_t opnum, const std::vector<uint8_t>& stub) {
    uint32_t id = call++;
    auto req = request(id, 0, opnum, {stub.data(), stub.size()});
    pipe.write({req.data(), req.size()});
    bool ok = false;
    auto rs = response_stub(drain(pipe), id, &ok);
    assert_true(ok);
    return rs;
  }
};

std::vector<uint8_t> share_enum_stub(uint32_t level, uint32_t pref_max, bool resume,
                                     uint32_t resume_value = 0) {
  Stub s;
  s.ptr();
  s.wstr("\\\\127.0.0.1");
  s.u32(level);
  s.u32(level);
  s.ptr();   // container
  s.u32(0);  // EntriesRead
  s.u32(0);  // NULL buffer
  s.u32(pref_max);
  if (resume) { s.ptr(); s.u32(resume_value); } else { s.u32(0); }
  return s.take();
}

struct Share1 { std::string name; uint32_t type; std::string comment; };

struct Enum1 {
  std::vector<Share1> shares;
  uint32_t total = 0, resume = 0, werr = 0;
  bool has_resume = false;
  bool ok = false;
};

Enum1 decode_enum1(const std::vector<uint8_t>& rs) {
  Enum1 e;
  StubReader r(rs);
  if (r.u32() != 1 || r.u32() != 1 || r.u32() == 0) return e;
  uint32_t count = r.u32();
  if (r.u32() == 0) return e;
  if (r.u32() != count) return e;
  std::vector<std::pair<uint32_t, uint32_t>> ptrs;
  for (uint32_t i = 0; i < count; i++) {
    Share1 s;
    uint32_t np = r.u32();
    s.type = r.u32();
    uint32_t cp = r.u32();
    if (!np || !cp) return e;
    e.shares.push_back(s);
  }
  for (auto& s : e.shares) {
    s.name = r.wstr();
    s.comment = r.wstr();
  }
  e.total = r.u32();
  e.has_resume = r.u32() != 0;
  if (e.has_resume) e.resume = r.u32();
  e.werr = r.u32();
  e.ok = r.r.ok() && r.r.at_end();
  return e;
}

void test_share_enum_level1(void**) {
  Fixture f("srvsvc", kSrvsvc, 3);
  Enum1 e = decode_enum1(f.call_op(15, share_enum_stub(1, 0xffffffff, true)));
  assert_true(e.ok);
  assert_int_equal(e.werr, 0);
  assert_int_equal(e.shares.size(), 3);
  assert_int_equal(e.total, 3);
  assert_true(e.has_resume);
  assert_int_equal(e.resume, 0);
  assert_string_equal(e.shares[0].name.c_str(), "data");
  assert_int_equal(e.shares[0].type, 0);
  assert_string_equal(e.shares[0].comment.c_str(), "Data share");
  assert_string_equal(e.shares[1].name.c_str(), "hidden$");
  assert_int_equal(e.shares[1].type, 0x80000000u);
  assert_string_equal(e.shares[2].name.c_str(), "IPC$");
  assert_int_equal(e.shares[2].type, 0x80000003u);
  assert_string_equal(e.shares[2].comment.c_str(), "IPC Service");
}

void test_share_enum_sticky(void**) {
  Fixture f("srvsvc", kSrvsvc, 3);
  Enum1 e = decode_enum1(f.call_op(36, share_enum_stub(1, 0xffffffff, true)));
  assert_true(e.ok);
  assert_int_equal(e.werr, 0);
  assert_int_equal(e.shares.size(), 2);  // permanent disk shares, no IPC$
  assert_string_equal(e.shares[0].name.c_str(), "data");
  assert_string_equal(e.shares[1].name.c_str(), "hidden$");
  // Level 501 exists for NetrShareEnum only.
  auto rs = f.call_op(36, share_enum_stub(501, 0xffffffff, false));
  StubReader r(rs);
  assert_int_equal(r.u32(), 501);
  assert_int_equal(r.u32(), 501);
  assert_int_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 124);
}

std::vector<uint8_t> get_info_stub(const char* share, uint32_t level);

void test_anonymous(void**) {
  // Default (restrict anonymous = 0): an anonymous session may list shares.
  Fixture open_f("srvsvc", kSrvsvc, 3, "");
  Enum1 e = decode_enum1(open_f.call_op(15, share_enum_stub(1, 0xffffffff, true)));
  assert_true(e.ok);
  assert_int_equal(e.shares.size(), 3);
  // ... but never the share paths of levels 2 and 502.
  auto rs0 = open_f.call_op(15, share_enum_stub(2, 0xffffffff, false));
  StubReader r0(rs0);
  assert_int_equal(r0.u32(), 2);
  assert_int_equal(r0.u32(), 2);
  assert_int_equal(r0.u32(), 0);
  assert_int_equal(r0.u32(), 0);
  assert_int_equal(r0.u32(), 0);
  assert_int_equal(r0.u32(), 5);
  rs0 = open_f.call_op(16, get_info_stub("data", 502));
  StubReader r1(rs0);
  r1.u32();
  assert_int_equal(r1.u32(), 0);
  assert_int_equal(r1.u32(), 5);
  std::string conf = std::string(kTestConfig);
  conf.insert(conf.find("[data]"), "\trestrict anonymous = 1\n");
  Fixture f("srvsvc", kSrvsvc, 3, "", conf.c_str());
  auto rs = f.call_op(15, share_enum_stub(1, 0xffffffff, true));
  StubReader r(rs);
  assert_int_equal(r.u32(), 1);
  assert_int_equal(r.u32(), 1);
  assert_int_equal(r.u32(), 0);   // no container
  assert_int_equal(r.u32(), 0);   // total
  assert_int_not_equal(r.u32(), 0);
  r.u32();                        // resume
  assert_int_equal(r.u32(), 5);   // WERR_ACCESS_DENIED
  assert_true(r.r.at_end());
  rs = f.call_op(16, get_info_stub("data", 1));
  StubReader r2(rs);
  r2.u32();
  assert_int_equal(r2.u32(), 0);
  assert_int_equal(r2.u32(), 5);
  // A named user on the same configuration is not affected.
  Fixture named("srvsvc", kSrvsvc, 3, "alice", conf.c_str());
  e = decode_enum1(named.call_op(15, share_enum_stub(1, 0xffffffff, true)));
  assert_true(e.ok);
  assert_int_equal(e.werr, 0);
}

void test_share_check_and_tod(void**) {
  Fixture f("srvsvc", kSrvsvc, 3);
  Stub s;
  s.u32(0);
  s.wstr("c:\\DATA");
  auto rs = f.call_op(20, s.take());
  StubReader r(rs);
  assert_int_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 0);
  Stub s2;
  s2.u32(0);
  s2.wstr("C:\\srv\\data");
  rs = f.call_op(20, s2.take());
  StubReader r2(rs);
  r2.u32();
  assert_int_equal(r2.u32(), 2311);

  Stub t;
  t.u32(0);
  rs = f.call_op(28, t.take());
  StubReader rt(rs);
  assert_int_not_equal(rt.u32(), 0);
  uint32_t elapsed = rt.u32();
  assert_true(elapsed > 1700000000u);
  rt.u32();
  assert_true(rt.u32() < 24);
  assert_true(rt.u32() < 60);
  assert_true(rt.u32() < 61);
  assert_true(rt.u32() < 100);
  assert_int_equal(rt.u32(), 0);
  rt.u32();
  uint32_t day = rt.u32(), month = rt.u32(), year = rt.u32(), wday = rt.u32();
  assert_true(day >= 1 && day <= 31);
  assert_true(month >= 1 && month <= 12);
  assert_true(year >= 2024);
  assert_true(wday <= 6);
  assert_int_equal(rt.u32(), 0);
  assert_true(rt.r.at_end());
}

void test_share_enum_resume(void**) {
  Fixture f("srvsvc", kSrvsvc, 3);
  // A tiny preferred length still returns one entry, with MORE_DATA.
  Enum1 e = decode_enum1(f.call_op(15, share_enum_stub(1, 10, true)));
  assert_true(e.ok);
  assert_int_equal(e.werr, 234);
  assert_int_equal(e.shares.size(), 1);
  assert_int_equal(e.total, 3);
  assert_int_equal(e.resume, 1);
  e = decode_enum1(f.call_op(15, share_enum_stub(1, 0xffffffff, true, 1)));
  assert_true(e.ok);
  assert_int_equal(e.werr, 0);
  assert_int_equal(e.shares.size(), 2);
  assert_string_equal(e.shares[0].name.c_str(), "hidden$");
  // No resume handle: none comes back.
  e = decode_enum1(f.call_op(15, share_enum_stub(1, 0xffffffff, false)));
  assert_true(e.ok);
  assert_false(e.has_resume);
}

void test_share_enum_levels(void**) {
  Fixture f("srvsvc", kSrvsvc, 3);
  // Level 502: fixed part is 10 words per entry, path virtual, no SD.
  auto rs = f.call_op(15, share_enum_stub(502, 0xffffffff, false));
  StubReader r(rs);
  assert_int_equal(r.u32(), 502);
  assert_int_equal(r.u32(), 502);
  assert_int_not_equal(r.u32(), 0);
  uint32_t n = r.u32();
  assert_int_equal(n, 3);
  r.u32();
  assert_int_equal(r.u32(), 3);
  for (uint32_t i = 0; i < n; i++) {
    assert_int_not_equal(r.u32(), 0);  // netname
    r.u32();                           // type
    assert_int_not_equal(r.u32(), 0);  // remark
    r.u32(); r.u32(); r.u32();
    assert_int_not_equal(r.u32(), 0);  // path
    assert_int_equal(r.u32(), 0);      // passwd
    assert_int_equal(r.u32(), 0);      // reserved
    assert_int_equal(r.u32(), 0);      // security descriptor
  }
  assert_string_equal(r.wstr().c_str(), "data");
  assert_string_equal(r.wstr().c_str(), "Data share");
  assert_string_equal(r.wstr().c_str(), "C:\\data");
  // Unsupported enum level: empty container, WERR_INVALID_LEVEL.
  rs = f.call_op(15, share_enum_stub(503, 0xffffffff, false));
  StubReader r2(rs);
  assert_int_equal(r2.u32(), 503);
  assert_int_equal(r2.u32(), 503);
  assert_int_equal(r2.u32(), 0);
  assert_int_equal(r2.u32(), 0);  // total
  assert_int_equal(r2.u32(), 0);  // resume NULL
  assert_int_equal(r2.u32(), 124);
  assert_true(r2.r.at_end());
}

std::vector<uint8_t> get_info_stub(const char* share, uint32_t level) {
  Stub s;
  s.u32(0);  // ServerName NULL
  s.wstr(share);
  s.u32(level);
  return s.take();
}

void test_share_get_info(void**) {
  Fixture f("srvsvc", kSrvsvc, 3);
  auto rs = f.call_op(16, get_info_stub("nosuch", 1));
  StubReader r(rs);
  assert_int_equal(r.u32(), 1);
  assert_int_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 2310);
  assert_true(r.r.at_end());

  rs = f.call_op(16, get_info_stub("NOBROWSE", 1));  // hidden from lists, not from lookups
  StubReader r1(rs);
  assert_int_equal(r1.u32(), 1);
  assert_int_not_equal(r1.u32(), 0);
  r1.u32();
  assert_int_equal(r1.u32(), 0);
  r1.u32();
  assert_string_equal(r1.wstr().c_str(), "nobrowse");
  assert_string_equal(r1.wstr().c_str(), "");
  assert_int_equal(r1.u32(), 0);
  assert_true(r1.r.at_end());

  // A [string] ends at its first NUL; NUL padding after it is accepted.
  Stub padded;
  padded.u32(0);
  padded.u32(8); padded.u32(0); padded.u32(8);
  for (char ch : std::string("data")) padded.w.u16(uint16_t(ch));
  for (int i = 0; i < 4; i++) padded.w.u16(0);
  padded.u32(0);
  rs = f.call_op(16, padded.take());
  StubReader rp(rs);
  assert_int_equal(rp.u32(), 0);
  assert_int_not_equal(rp.u32(), 0);  // SHARE_INFO_0
  assert_int_not_equal(rp.u32(), 0);  // netname
  assert_string_equal(rp.wstr().c_str(), "data");
  assert_int_equal(rp.u32(), 0);
  assert_true(rp.r.at_end());

  rs = f.call_op(16, get_info_stub("data", 1005));
  StubReader r2(rs);
  assert_int_equal(r2.u32(), 1005);
  assert_int_not_equal(r2.u32(), 0);
  assert_int_equal(r2.u32(), 0);  // flags
  assert_int_equal(r2.u32(), 0);  // WERR_OK
  assert_true(r2.r.at_end());

  rs = f.call_op(16, get_info_stub("data", 7));
  StubReader r3(rs);
  assert_int_equal(r3.u32(), 7);
  assert_int_equal(r3.u32(), 124);
  assert_true(r3.r.at_end());
}

void test_server_get_info_101(void**) {
  Fixture f("srvsvc", kSrvsvc, 3);
  Stub s;
  s.ptr();
  s.wstr("\\\\TESTBOX");
  s.u32(101);
  auto rs = f.call_op(21, s.take());
  StubReader r(rs);
  assert_int_equal(r.u32(), 101);
  assert_int_not_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 500);
  assert_int_not_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 6);
  assert_int_equal(r.u32(), 1);
  uint32_t type = r.u32();
  assert_int_equal(type & 0x8003, 0x8003);  // workstation, server, server_nt
  assert_int_not_equal(r.u32(), 0);
  assert_string_equal(r.wstr().c_str(), "TESTBOX");
  assert_string_equal(r.wstr().c_str(), "test server");
  assert_int_equal(r.u32(), 0);
  assert_true(r.r.at_end());

  Stub bad;
  bad.u32(0);
  bad.u32(999);
  rs = f.call_op(21, bad.take());
  StubReader rb(rs);
  assert_int_equal(rb.u32(), 999);
  assert_int_equal(rb.u32(), 124);
  assert_true(rb.r.at_end());
}

void test_wksta_get_info_100(void**) {
  Fixture f("wkssvc", kWkssvc, 1);
  Stub s;
  s.u32(0);
  s.u32(100);
  auto rs = f.call_op(0, s.take());
  StubReader r(rs);
  assert_int_equal(r.u32(), 100);
  assert_int_not_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 500);
  assert_int_not_equal(r.u32(), 0);
  assert_int_not_equal(r.u32(), 0);
  assert_int_equal(r.u32(), 6);
  assert_int_equal(r.u32(), 1);
  assert_string_equal(r.wstr().c_str(), "TESTBOX");
  assert_string_equal(r.wstr().c_str(), "TESTGROUP");
  assert_int_equal(r.u32(), 0);
  assert_true(r.r.at_end());
}

void test_bad_stub(void**) {
  Fixture f("srvsvc", kSrvsvc, 3);
  // Strings whose counts disagree: actual > max, offset != 0, no NUL,
  // and an actual count beyond the buffer.
  const uint32_t cases[][3] = {{2, 0, 3}, {3, 1, 3}, {3, 0, 1000000}};
  for (auto& c : cases) {
    Stub s;
    s.u32(0);
    s.u32(c[0]); s.u32(c[1]); s.u32(c[2]);
    s.w.u16('a'); s.w.u16('b'); s.w.u16(0);
    s.u32(1);
    auto stub = s.take();
    auto req = request(50, 0, 16, {stub.data(), stub.size()});
    f.pipe.write({req.data(), req.size()});
    auto out = drain(f.pipe);
    assert_int_equal(out.size(), 1);
    assert_int_equal(out[0][2], 3);
    ByteReader br({out[0].data(), out[0].size()});
    br.skip(24);
    assert_int_equal(br.u32(), 0x6f7);
  }
  Stub nonul;
  nonul.u32(0);
  nonul.u32(2); nonul.u32(0); nonul.u32(2);
  nonul.w.u16('a'); nonul.w.u16('b');
  nonul.u32(1);
  auto stub = nonul.take();
  auto req = request(51, 0, 16, {stub.data(), stub.size()});
  f.pipe.write({req.data(), req.size()});
  auto out = drain(f.pipe);
  assert_int_equal(out[0][2], 3);
  // Truncated stubs for each operation.
  for (uint16_t op : {15, 16, 21}) {
    uint8_t junk[3] = {1, 0, 0};
    auto rq = request(52, 0, op, {junk, sizeof junk});
    f.pipe.write({rq.data(), rq.size()});
    auto o = drain(f.pipe);
    assert_int_equal(o[0][2], 3);
  }
  assert_false(f.pipe.broken());
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_share_enum_level1),
      cmocka_unit_test(test_share_enum_sticky),
      cmocka_unit_test(test_anonymous),
      cmocka_unit_test(test_share_check_and_tod),
      cmocka_unit_test(test_share_enum_resume),
      cmocka_unit_test(test_share_enum_levels),
      cmocka_unit_test(test_share_get_info),
      cmocka_unit_test(test_server_get_info_101),
      cmocka_unit_test(test_wksta_get_info_100),
      cmocka_unit_test(test_bad_stub),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
