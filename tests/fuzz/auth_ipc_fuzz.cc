// fuzz-sources: smbd-auth/ntlmssp.cc smbd-auth/ntlm_server.cc smbd-auth/passdb.cc smbd-auth/der.cc smbd-auth/spnego.cc smbd-auth/auth_context.cc common/crypto/md4.cc common/crypto/rc4.cc common/crypto/des.cc common/crypto/desl.cc common/crypto/md5.cc common/util/utf16.cc common/log/log.cc common/config/config.cc smbd-auth/session_channel.cc smbd-auth/logon_throttle.cc common/ipc/auth_proto.cc common/ipc/channel.cc smbd-auth/krb5_map.cc tests/fuzz/krb5_stub.cc
// fuzz-libs: -lcrypto -linih
// Every auth_proto.h decoder, and the smbd-auth per-channel state machine
// fed a stream of fuzzed frames (as a hostile session process would send).
#include <cstdint>
#include <cstdlib>

#include "common/ipc/auth_proto.h"
#include "common/ipc/channel.h"
#include "common/log/log.h"
#include "smbd-auth/session_channel.h"

using namespace cifsd;
namespace ia = cifsd::ipc::auth;

// Decode then encode gives the input back; a message decoded without its
// appended field (`tail` bytes, codec.h tail_u32) comes back with it as zeros.
template <class T>
static void roundtrip(Bytes b, size_t tail = 0) {
  auto m = T::decode(b);
  if (!m) return;
  ByteWriter w;
  m->encode(w);
  Bytes out = w.view();
  if (out.size() == b.size() + tail && tail) {
    for (size_t i = b.size(); i < out.size(); i++)
      if (out[i] != 0) abort();
    out = out.subspan(0, b.size());
  }
  if (out.size() != b.size() || !std::equal(b.begin(), b.end(), out.begin())) abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = [] { log::init("auth_ipc_fuzz", false, log::kError); return true; }();
  (void)init;
  Bytes in(data, size);
  roundtrip<ia::Hello>(in);
  roundtrip<ia::HelloAnswer>(in);
  roundtrip<ia::NegToken>(in);
  roundtrip<ia::NegTokenAnswer>(in);
  roundtrip<ia::SessionSetup>(in);
  roundtrip<ia::SessionSetupAnswer>(in, 4);  // lifetime_s is appended
  roundtrip<ia::Release>(in);
  roundtrip<ia::ReleaseAnswer>(in);
  if (auto a = ia::SessionSetupAnswer::decode(in); a && !a->validate()) abort();

  // Frames: u16 length-prefixed packets parsed by the real frame parser.
  static auth::AuthEnv env;
  auth::SessionChannel ch(env);
  ByteReader r(in);
  int64_t now = 0;
  while (r.ok() && !r.at_end()) {
    uint16_t n = r.u16();
    Bytes pkt = r.bytes(n);
    if (!r.ok()) break;
    ipc::Message m;
    if (ipc::parse_packet(pkt, ia::kVersion, &m) != ipc::RecvStatus::kOk) continue;
    uint16_t type;
    std::vector<uint8_t> out;
    if (!ch.handle(m.type, m.body(), now, &type, &out)) break;  // channel closed
    if (type != uint16_t(m.type | 1)) abort();
    now += 7;
    if (ch.context_count() > auth::kMaxContextsPerChannel) abort();
  }
  return 0;
}
