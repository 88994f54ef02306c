// master_proto: round trips, truncation, trailing bytes, wrong version and
// out-of-range fields, for every message of the children<->master contract.
#include <string>
#include <vector>

// Before cmocka.h, whose skip() macro clashes with ByteReader::skip.
#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::ipc::master;

namespace {

template <class T>
std::vector<uint8_t> enc(const T& m) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  m.encode(w);
  return out;
}

Bytes view(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }

// Every strict prefix fails, and one extra byte fails.
template <class T>
void check_strict(const std::vector<uint8_t>& good) {
  assert_true(T::decode(view(good)).has_value());
  for (size_t n = 0; n < good.size(); ++n)
    assert_false(T::decode(Bytes(good.data(), n)).has_value());
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  assert_false(T::decode(view(longer)).has_value());
}

void test_hello(void**) {
  auto b = enc(Hello{kVersion, Role::kAuth});
  auto d = Hello::decode(view(b));
  assert_true(d.has_value());
  assert_int_equal(d->version, kVersion);
  assert_int_equal(uint32_t(d->role), uint32_t(Role::kAuth));
  check_strict<Hello>(b);
  for (uint32_t bad : {0u, 4u, 0xffffffffu}) {
    auto x = b;
    x[4] = uint8_t(bad);
    x[5] = uint8_t(bad >> 8);
    x[6] = uint8_t(bad >> 16);
    x[7] = uint8_t(bad >> 24);
    assert_false(Hello::decode(view(x)).has_value());
  }
}

void test_hello_answer(void**) {
  HelloAnswer a;
  a.config_text = "[global]\n  workgroup = X\n";
  a.passdb_path = "/etc/cifsd/cifsdpwd.db";
  a.client_ip = "192.0.2.7";
  a.client_port = 50123;
  a.connection_id = 0x1122334455667788ULL;
  a.log_level = 3;
  auto b = enc(a);
  auto d = HelloAnswer::decode(view(b));
  assert_true(d.has_value());
  assert_string_equal(d->config_text.c_str(), a.config_text.c_str());
  assert_string_equal(d->passdb_path.c_str(), a.passdb_path.c_str());
  assert_string_equal(d->client_ip.c_str(), a.client_ip.c_str());
  assert_int_equal(d->client_port, 50123);
  assert_true(d->connection_id == a.connection_id);
  assert_int_equal(d->log_level, 3);
  check_strict<HelloAnswer>(b);
  HelloAnswer bad = a;
  bad.log_level = 4;
  assert_false(HelloAnswer::decode(view(enc(bad))).has_value());
  bad = a;
  bad.client_port = 65536;
  assert_false(HelloAnswer::decode(view(enc(bad))).has_value());
  bad = a;
  bad.config_text.assign(kMaxConfigText + 1, 'x');
  assert_false(HelloAnswer::decode(view(enc(bad))).has_value());
  bad = a;
  bad.client_ip = std::string("1.2.3.4\0evil", 12);  // embedded NUL
  assert_false(HelloAnswer::decode(view(enc(bad))).has_value());
}

void test_share_open_close(void**) {
  ShareOpen o{42, 0x801, 123456, 0x12019f, 7};
  auto b = enc(o);
  auto d = ShareOpen::decode(view(b));
  assert_true(d.has_value());
  assert_true(d->open_id == 42 && d->dev == 0x801 && d->ino == 123456);
  assert_int_equal(d->access, 0x12019f);
  assert_int_equal(d->share_access, 7);
  check_strict<ShareOpen>(b);
  o.share_access = 8;  // no such share bit
  assert_false(ShareOpen::decode(view(enc(o))).has_value());

  auto c = enc(ShareClose{99});
  assert_true(ShareClose::decode(view(c))->open_id == 99);
  check_strict<ShareClose>(c);

  auto s = enc(StatusAnswer{0xC0000043});
  assert_int_equal(StatusAnswer::decode(view(s))->status, 0xC0000043);
  check_strict<StatusAnswer>(s);
}

void test_new_channel_attach_reload(void**) {
  auto n = enc(NewChannel{Role::kRpc});
  assert_int_equal(uint32_t(NewChannel::decode(view(n))->helper), uint32_t(Role::kRpc));
  check_strict<NewChannel>(n);
  // A session may only ask for a helper, never for another session.
  assert_false(NewChannel::decode(view(enc(NewChannel{Role::kSession}))).has_value());

  auto a = enc(Attach{7, "::1"});
  auto ad = Attach::decode(view(a));
  assert_true(ad->connection_id == 7);
  assert_string_equal(ad->client_ip.c_str(), "::1");
  check_strict<Attach>(a);
  assert_false(Attach::decode(view(enc(Attach{7, std::string(65, '1')}))).has_value());

  auto r = enc(Reload{"[global]\n"});
  assert_string_equal(Reload::decode(view(r))->config_text.c_str(), "[global]\n");
  check_strict<Reload>(r);
}

void test_frame_version(void**) {
  // The frame carries the contract version: a packet of another version is a
  // violation before any decoder sees it.
  cifsd::UniqueFd a, b;
  assert_true(ipc::make_pair(&a, &b));
  auto hello = enc(Hello{kVersion, Role::kSession});
  assert_true(ipc::send_message(a.get(), kVersion + 1, kHello, 1, view(hello)));
  ipc::Message m;
  assert_int_equal(int(ipc::recv_message(b.get(), kVersion, &m, 1000)), int(ipc::RecvStatus::kViolation));
  assert_true(ipc::send_message(a.get(), kVersion, kHello, 2, view(hello)));
  assert_int_equal(int(ipc::recv_message(b.get(), kVersion, &m, 1000)), int(ipc::RecvStatus::kOk));
  assert_int_equal(m.type, kHello);
  assert_int_equal(m.seq, 2);
  assert_true(Hello::decode(m.body()).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hello),
      cmocka_unit_test(test_hello_answer),
      cmocka_unit_test(test_share_open_close),
      cmocka_unit_test(test_new_channel_attach_reload),
      cmocka_unit_test(test_frame_version),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
