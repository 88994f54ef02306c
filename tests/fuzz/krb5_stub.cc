// Kerberos stand-in for the fuzz targets that link smbd-auth's contexts
// (spnego, auth_ipc, ntlmssp): they are built without MIT GSS-API, so this
// file replaces smbd-auth/krb5_gss.cc. Its acceptor is deterministic and
// driven by the token, so fuzzed input reaches every krb5 path of
// AuthContext: token[0] % 4 == 0 fails, == 1 asks for another leg,
// otherwise completes with the principal spelled by the token's remaining
// bytes (map_principal then sees fuzzed principals). MICs are a hash-free
// function of the data, so a fuzzer can produce a matching one.
#include "smbd-auth/krb5_acceptor.h"

namespace cifsd::auth {
namespace {

class StubAcceptor final : public Krb5Acceptor {
 public:
  Krb5Result accept(Bytes token) override {
    Krb5Result r;
    if (token.empty() || token[0] % 4 == 0) return r;
    if (token[0] % 4 == 1) {
      r.status = Krb5Result::Status::kContinue;
      r.out_token.assign(token.begin(), token.begin() + 1);
      return r;
    }
    r.status = Krb5Result::Status::kComplete;
    r.principal.assign(token.begin() + 1, token.end());
    r.out_token = {0x6f, 0x00};
    r.has_session_key = token[0] % 4 == 2;
    r.lifetime_s = token[0];
    complete_ = true;
    return r;
  }
  bool verify_mic(Bytes data, Bytes mic) override {
    return complete_ && mic.size() == 1 && mic[0] == uint8_t(data.size());
  }
  std::vector<uint8_t> make_mic(Bytes data) override {
    return complete_ ? std::vector<uint8_t>{uint8_t(data.size())} : std::vector<uint8_t>{};
  }

 private:
  bool complete_ = false;
};

}  // namespace

bool kerberos_built() { return false; }
std::unique_ptr<Krb5Acceptor> make_gss_acceptor(const std::string&) {
  return std::make_unique<StubAcceptor>();
}
bool kerberos_keytab_usable(const std::string&, std::string* why) {
  *why = "fuzz build";
  return false;
}

}  // namespace cifsd::auth
