// fuzz-sources: smbd-auth/ntlmssp.cc smbd-auth/ntlm_server.cc smbd-auth/passdb.cc smbd-auth/der.cc smbd-auth/spnego.cc smbd-auth/auth_context.cc common/crypto/md4.cc common/crypto/rc4.cc common/crypto/des.cc common/crypto/desl.cc common/crypto/md5.cc common/util/utf16.cc common/log/log.cc common/config/config.cc smbd-auth/krb5_map.cc tests/fuzz/krb5_stub.cc
// fuzz-libs: -lcrypto -linih
// SPNEGO token parser (DER walk) and the authentication context driven by
// two fuzzed legs (the input split at its first byte), NTLMSSP and krb5.
#include <cstdint>
#include <cstdlib>

#include "common/crypto/md5.h"
#include "common/log/log.h"
#include "smbd-auth/auth_context.h"
#include "smbd-auth/spnego.h"

using namespace cifsd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = [] { log::init("spnego_fuzz", false, log::kError); return true; }();
  (void)init;
  Bytes in(data, size);
  spnego::ClientToken t = spnego::parse_client_token(in);
  if (t.kind == spnego::TokenKind::kResp) {
    // Re-encoding a parsed NegTokenResp parses again to the same fields.
    auto again = spnego::parse_client_token(spnego::build_neg_token_resp(t.resp));
    if (again.kind != spnego::TokenKind::kResp ||
        again.resp.response_token != t.resp.response_token ||
        again.resp.mech_list_mic != t.resp.mech_list_mic)
      abort();
  }
  // Kerberos on, with tests/fuzz/krb5_stub.cc's token-driven acceptor, so
  // krb5 NegTokenInits reach the krb5 paths (mech choice, MIC, mapping).
  static auth::AuthEnv env = [] {
    auth::AuthEnv e;
    e.settings.kerberos = true;
    e.settings.realm = "EXAMPLE.COM";
    return e;
  }();
  auth::AuthContext ctx(env);
  size_t cut = size ? data[0] % (size + 1) : 0;
  auto a = ctx.step(in.subspan(0, cut));
  if (a.result == ipc::auth::SetupResult::kMoreProcessing) {
    auto b = ctx.step(in.subspan(cut));
    if (b.result == ipc::auth::SetupResult::kOk) abort();  // no users, no guest
  }
  return 0;
}
