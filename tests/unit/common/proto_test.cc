// Every message of the three IPC contracts: round trip, every truncation,
// a trailing byte, oversized fields, and the semantic checks (validate()).
#include <cstdint>
#include <string>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "common/ipc/master_proto.h"
#include "common/ipc/rpc_proto.h"
#include "common/wire/writer.h"

// cmocka last: it defines fail() and skip() as macros.
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

template <class M>
std::vector<uint8_t> enc(const M& m) {
  ByteWriter w;
  m.encode(w);
  return w.take();
}

// Round trip (decode(encode(m)) encodes to the same bytes), every strict
// prefix rejected, one trailing byte rejected. Returns the decoded message.
// `tail`: the size of an appended field (codec tail_u32) that an older
// sender leaves out: the prefix without it is the one that still decodes.
template <class M>
M check_strict(const M& m, const char* what, size_t tail = 0) {
  std::vector<uint8_t> b = enc(m);
  auto d = M::decode(Bytes(b.data(), b.size()));
  if (!d) fail_msg("%s: round trip failed", what);
  std::vector<uint8_t> again = enc(*d);
  if (again != b) fail_msg("%s: re-encoding differs", what);
  for (size_t n = 0; n < b.size(); n++) {
    bool older_sender = tail && n == b.size() - tail;
    if (bool(M::decode(Bytes(b.data(), n))) != older_sender)
      fail_msg("%s: %s a %zu-byte prefix of %zu", what, older_sender ? "rejected" : "accepted", n, b.size());
  }
  std::vector<uint8_t> longer = b;
  longer.push_back(0);
  if (M::decode(Bytes(longer.data(), longer.size()))) fail_msg("%s: accepted a trailing byte", what);
  return *d;
}

template <class M>
bool decodes(const std::vector<uint8_t>& b) {
  return M::decode(Bytes(b.data(), b.size())).has_value();
}

// ---- auth ----

auth::SessionSetupAnswer ok_answer() {
  auth::SessionSetupAnswer a;
  a.result = auth::SetupResult::kOk;
  a.context = 0;
  a.blob = {0xA1, 0x07};
  a.identity.user = "alice";
  a.identity.domain = "WORKGROUP";
  a.identity.uid = 1001;
  a.identity.gid = 1001;
  a.identity.groups = {1001, 27};
  a.identity.group_names = {"alice", "sudo"};
  a.has_session_key = true;
  for (int i = 0; i < 16; i++) a.session_key[i] = uint8_t(i + 1);
  return a;
}

void test_auth_roundtrips(void**) {
  auth::Hello h;
  h.version = 1;
  assert_int_equal(check_strict(h, "auth::Hello").version, 1);
  auth::HelloAnswer ha;
  check_strict(ha, "auth::HelloAnswer");
  auth::NegToken nt;
  check_strict(nt, "auth::NegToken");
  auth::NegTokenAnswer nta;
  nta.blob = {0x60, 0x28, 0x06};
  assert_int_equal(check_strict(nta, "auth::NegTokenAnswer").blob.size(), 3);
  auth::SessionSetup ss;
  ss.context = 0x1122334455667788ull;
  ss.blob = std::vector<uint8_t>(300, 0x4E);
  auto ssd = check_strict(ss, "auth::SessionSetup");
  assert_true(ssd.context == 0x1122334455667788ull);
  assert_int_equal(ssd.blob.size(), 300);
  auto a = check_strict(ok_answer(), "auth::SessionSetupAnswer ok", 4);
  assert_string_equal(a.identity.user.c_str(), "alice");
  assert_int_equal(a.identity.groups.size(), 2);
  assert_int_equal(a.identity.groups[1], 27);
  assert_string_equal(a.identity.group_names[1].c_str(), "sudo");
  assert_true(a.has_session_key);
  assert_int_equal(a.session_key[15], 16);
  auth::SessionSetupAnswer more;
  more.result = auth::SetupResult::kMoreProcessing;
  more.context = 5;
  more.blob = {1, 2, 3};
  check_strict(more, "auth::SessionSetupAnswer more", 4);
  auth::SessionSetupAnswer fail_ans;
  fail_ans.result = auth::SetupResult::kLogonFailure;
  check_strict(fail_ans, "auth::SessionSetupAnswer logon failure", 4);
  auth::Release rel;
  rel.context = 99;
  assert_int_equal(check_strict(rel, "auth::Release").context, 99);
  auth::ReleaseAnswer ra;
  check_strict(ra, "auth::ReleaseAnswer");
}

void test_auth_oversized(void**) {
  auth::NegTokenAnswer nta;
  nta.blob.assign(auth::kMaxBlob, 1);
  assert_true(decodes<auth::NegTokenAnswer>(enc(nta)));
  nta.blob.push_back(1);
  assert_false(decodes<auth::NegTokenAnswer>(enc(nta)));
  auth::SessionSetup ss;
  ss.blob.assign(auth::kMaxBlob + 1, 1);
  assert_false(decodes<auth::SessionSetup>(enc(ss)));
  // A length field that claims more than is there (no allocation of it).
  ByteWriter w;
  w.u64(1);
  w.u32(0xFFFFFFFF);
  assert_false(auth::SessionSetup::decode(w.view()).has_value());

  auto a = ok_answer();
  a.identity.user.assign(auth::kMaxName, 'u');
  assert_true(decodes<auth::SessionSetupAnswer>(enc(a)));
  a.identity.user.push_back('u');
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  a = ok_answer();
  a.identity.domain.assign(auth::kMaxName + 1, 'd');
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  a = ok_answer();
  a.identity.groups.assign(auth::kMaxGroups, 100);
  assert_true(decodes<auth::SessionSetupAnswer>(enc(a)));
  a.identity.groups.push_back(100);
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  a = ok_answer();
  a.identity.group_names.assign(auth::kMaxGroups + 1, "g");
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  a = ok_answer();
  a.identity.group_names[0].assign(auth::kMaxName + 1, 'g');
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
}

void test_auth_validate(void**) {
  // uid/gid 0 and group 0 are never accepted from smbd-auth.
  auto a = ok_answer();
  a.identity.uid = 0;
  assert_false(a.validate());
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  a = ok_answer();
  a.identity.gid = 0;
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  a = ok_answer();
  a.identity.groups = {5, 0};
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  // A named (non-anonymous) identity needs a user name.
  a = ok_answer();
  a.identity.user.clear();
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  a.identity.anonymous = true;
  assert_true(decodes<auth::SessionSetupAnswer>(enc(a)));
  // More processing needs a context to continue.
  auth::SessionSetupAnswer more;
  more.result = auth::SetupResult::kMoreProcessing;
  more.context = 0;
  assert_false(decodes<auth::SessionSetupAnswer>(enc(more)));
  // Unknown result codes and non-0/1 booleans.
  auto b = enc(ok_answer());
  b[0] = 77;
  assert_false(decodes<auth::SessionSetupAnswer>(b));
  b = enc(ok_answer());
  b[b.size() - 21] = 2;  // has_session_key (before the 4-byte lifetime)
  assert_false(decodes<auth::SessionSetupAnswer>(b));
  b = enc(ok_answer());
  b[b.size() - 23] = 2;  // guest
  assert_false(decodes<auth::SessionSetupAnswer>(b));
  // A NUL inside a name.
  a = ok_answer();
  a.identity.user = std::string("ali\0ce", 6);
  assert_false(decodes<auth::SessionSetupAnswer>(enc(a)));
  // Empty payload where a field is expected, payload where none is.
  assert_false(decodes<auth::Hello>({}));
  assert_false(decodes<auth::NegToken>({0}));
  assert_false(decodes<auth::ReleaseAnswer>({0}));
}

// ---- rpc ----

void test_rpc_roundtrips(void**) {
  rpc::Hello h;
  check_strict(h, "rpc::Hello");
  rpc::Open o;
  o.handle = 3;
  o.pipe = "srvsvc";
  o.user = "alice";
  auto od = check_strict(o, "rpc::Open");
  assert_string_equal(od.pipe.c_str(), "srvsvc");
  assert_string_equal(od.user.c_str(), "alice");
  rpc::StatusAnswer sa;
  sa.status = 0xC0000034;
  assert_int_equal(check_strict(sa, "rpc::StatusAnswer").status, 0xC0000034);
  rpc::Write w;
  w.handle = 4;
  w.data = {5, 0, 11, 3};
  assert_int_equal(check_strict(w, "rpc::Write").data.size(), 4);
  rpc::Read r;
  r.handle = 4;
  r.max = 4280;
  assert_int_equal(check_strict(r, "rpc::Read").max, 4280);
  rpc::Transceive t;
  t.handle = 4;
  t.max = 1024;
  t.data = {1, 2};
  check_strict(t, "rpc::Transceive");
  rpc::DataAnswer da;
  da.status = 0x80000005;
  da.data = std::vector<uint8_t>(100, 9);
  check_strict(da, "rpc::DataAnswer");
  rpc::Close c;
  c.handle = 4;
  check_strict(c, "rpc::Close");
}

void test_rpc_oversized(void**) {
  rpc::Open o;
  o.pipe.assign(rpc::kMaxPipeName, 'p');
  assert_true(decodes<rpc::Open>(enc(o)));
  o.pipe.push_back('p');
  assert_false(decodes<rpc::Open>(enc(o)));
  o.pipe = "srvsvc";
  o.user.assign(257, 'u');
  assert_false(decodes<rpc::Open>(enc(o)));
  o.user = std::string("a\0b", 3);
  assert_false(decodes<rpc::Open>(enc(o)));
  rpc::Write w;
  w.data.assign(rpc::kMaxData, 0);
  assert_true(decodes<rpc::Write>(enc(w)));
  w.data.push_back(0);
  assert_false(decodes<rpc::Write>(enc(w)));
  rpc::Transceive t;
  t.data.assign(rpc::kMaxData + 1, 0);
  assert_false(decodes<rpc::Transceive>(enc(t)));
  rpc::DataAnswer da;
  da.data.assign(rpc::kMaxData + 1, 0);
  assert_false(decodes<rpc::DataAnswer>(enc(da)));
}

// ---- master ----

void test_master_roundtrips(void**) {
  master::Hello h;
  h.role = master::Role::kRpc;
  assert_int_equal(int(check_strict(h, "master::Hello").role), int(master::Role::kRpc));
  master::HelloAnswer ha;
  ha.config_text = "[global]\nworkgroup = W\n";
  ha.passdb_path = "/etc/cifsd/cifsdpwd.db";
  ha.client_ip = "127.0.0.1";
  ha.client_port = 50000;
  ha.connection_id = 12;
  ha.log_level = 3;
  auto had = check_strict(ha, "master::HelloAnswer");
  assert_string_equal(had.client_ip.c_str(), "127.0.0.1");
  assert_int_equal(had.client_port, 50000);
  master::ShareOpen so;
  so.open_id = 1;
  so.dev = 0x803;
  so.ino = 1234567;
  so.access = 0x120089;
  so.share_access = 7;
  auto sod = check_strict(so, "master::ShareOpen");
  assert_true(sod.ino == 1234567);
  master::StatusAnswer sa;
  sa.status = 0xC0000043;
  check_strict(sa, "master::StatusAnswer");
  master::ShareClose sc;
  sc.open_id = 1;
  check_strict(sc, "master::ShareClose");
  master::NewChannel nc;
  nc.helper = master::Role::kRpc;
  check_strict(nc, "master::NewChannel");
  master::Attach at;
  at.connection_id = 77;
  at.client_ip = "::1";
  check_strict(at, "master::Attach");
  master::Reload rl;
  rl.config_text = "[s]\npath = /s\n";
  check_strict(rl, "master::Reload");
}

void test_master_invalid(void**) {
  ByteWriter w;
  w.u32(1);
  w.u32(0);  // role 0
  assert_false(master::Hello::decode(w.view()).has_value());
  ByteWriter w2;
  w2.u32(1);
  w2.u32(4);  // role 4
  assert_false(master::Hello::decode(w2.view()).has_value());
  master::HelloAnswer ha;
  ha.log_level = 4;
  assert_false(decodes<master::HelloAnswer>(enc(ha)));
  ha.log_level = 2;
  ha.client_port = 65536;
  assert_false(decodes<master::HelloAnswer>(enc(ha)));
  ha.client_port = 1;
  ha.config_text.assign(master::kMaxConfigText, 'x');
  assert_true(decodes<master::HelloAnswer>(enc(ha)));
  ha.config_text.push_back('x');
  assert_false(decodes<master::HelloAnswer>(enc(ha)));
  ha.config_text = "x";
  ha.passdb_path.assign(4097, 'p');
  assert_false(decodes<master::HelloAnswer>(enc(ha)));
  ha.passdb_path = "/db";
  ha.client_ip.assign(65, '1');
  assert_false(decodes<master::HelloAnswer>(enc(ha)));
  master::ShareOpen so;
  so.share_access = 8;
  assert_false(decodes<master::ShareOpen>(enc(so)));
  master::NewChannel nc;
  nc.helper = master::Role::kSession;  // only helpers have channels to hand out
  assert_false(decodes<master::NewChannel>(enc(nc)));
  master::Attach at;
  at.client_ip.assign(65, '1');
  assert_false(decodes<master::Attach>(enc(at)));
  master::Reload rl;
  rl.config_text.assign(master::kMaxConfigText + 1, 'x');
  assert_false(decodes<master::Reload>(enc(rl)));
  rl.config_text = std::string("a\0b", 3);
  assert_false(decodes<master::Reload>(enc(rl)));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_auth_roundtrips),
      cmocka_unit_test(test_auth_oversized),
      cmocka_unit_test(test_auth_validate),
      cmocka_unit_test(test_rpc_roundtrips),
      cmocka_unit_test(test_rpc_oversized),
      cmocka_unit_test(test_master_roundtrips),
      cmocka_unit_test(test_master_invalid),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
