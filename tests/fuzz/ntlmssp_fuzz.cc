// fuzz-sources: smbd-auth/ntlmssp.cc smbd-auth/ntlm_server.cc smbd-auth/passdb.cc smbd-auth/der.cc smbd-auth/spnego.cc smbd-auth/auth_context.cc common/crypto/md4.cc common/crypto/rc4.cc common/crypto/des.cc common/crypto/desl.cc common/crypto/md5.cc common/util/utf16.cc common/log/log.cc common/config/config.cc smbd-auth/krb5_map.cc tests/fuzz/krb5_stub.cc
// fuzz-libs: -lcrypto -linih
// NTLMSSP parsers (NEGOTIATE, AUTHENTICATE, NTLMv2 blob) and the server's
// AUTHENTICATE path after a real NEGOTIATE/CHALLENGE, once with "ntlm auth"
// off and once on (so 24-byte NT responses reach the NTLMv1 check): any input
// gives a verdict without crashing, and never kOk for a user it cannot prove.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/crypto/md5.h"
#include "common/log/log.h"
#include "smbd-auth/ntlm_server.h"
#include "smbd-auth/ntlmssp.h"

using namespace cifsd;

namespace {
struct Resolver : auth::IdentityResolver {
  std::optional<ipc::auth::Identity> user(const std::string& n, std::string*) override {
    ipc::auth::Identity id;
    id.user = n;
    id.uid = id.gid = 1000;
    return id;
  }
  std::optional<ipc::auth::Identity> guest(const std::string& n, std::string*) override {
    return user(n, nullptr);
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = [] { log::init("ntlmssp_fuzz", false, log::kError); return true; }();
  (void)init;
  Bytes in(data, size);
  ntlmssp::Negotiate n;
  (void)ntlmssp::parse_negotiate(in, &n);
  ntlmssp::Authenticate a;
  if (ntlmssp::parse_authenticate(in, &a)) {
    // Every resolved field lies inside the message.
    for (Bytes f : {a.lm_response, a.nt_response, a.domain, a.user, a.workstation,
                    a.encrypted_session_key})
      if (!f.empty() && (f.data() < data || f.data() + f.size() > data + size)) abort();
  }
  ntlmssp::V2Blob b;
  (void)ntlmssp::parse_v2_blob(in, &b);

  static Resolver res;
  auto make_env = [](bool ntlm_auth) {
    auth::AuthEnv e;
    e.resolver = &res;
    e.passdb.set("alice", crypto::nt_hash("pw"));
    e.settings.map_to_guest = MapToGuest::kBadUser;
    e.settings.ntlm_auth = ntlm_auth;
    return e;
  };
  static auth::AuthEnv env_v2 = make_env(false);
  static auth::AuthEnv env_v1 = make_env(true);
  for (const auth::AuthEnv* env : {&env_v2, &env_v1}) {
    auth::NtlmServer s(*env);
    std::vector<uint8_t> ch;
    if (!s.negotiate(ntlmssp::build_negotiate(0xe2088297), &ch)) abort();
    auth::AuthOutcome o = s.authenticate(in);
    // Random bytes cannot hold a proof for alice under a fresh random challenge.
    if (o.verdict == auth::Verdict::kOk) abort();
  }
  return 0;
}
