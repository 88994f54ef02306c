// MIT GSS-API implementation of Krb5Acceptor (krb5_acceptor.h). Compiled to
// stubs when configure found no krb5-gssapi, so the rest of smbd-auth never
// needs an #if.
#include "config.h"
#include "smbd-auth/krb5_acceptor.h"

#if HAVE_KERBEROS
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <profile.h>

#include <algorithm>
#include <cstring>

#include "common/log/log.h"
#endif

namespace cifsd::auth {

#if !HAVE_KERBEROS

bool kerberos_built() { return false; }
std::unique_ptr<Krb5Acceptor> make_gss_acceptor(const std::string&) { return nullptr; }
bool kerberos_keytab_usable(const std::string&, std::string* why) {
  *why = "this build has no Kerberos support (configure found no libkrb5-dev)";
  return false;
}

#else

namespace {

// The two OIDs a krb5 InitialContextToken may carry; acceptor credentials
// are acquired for both so a token naming Microsoft's variant is accepted.
gss_OID_desc kMechKrb5 = {9, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02")};
gss_OID_desc kMechMsKrb5 = {9, const_cast<char*>("\x2a\x86\x48\x82\xf7\x12\x01\x02\x02")};

std::string gss_error(OM_uint32 maj, OM_uint32 min) {
  std::string s;
  for (int pass = 0; pass < 2; pass++) {
    OM_uint32 ctx = 0, m = 0;
    do {
      gss_buffer_desc b{0, nullptr};
      if (gss_display_status(&m, pass == 0 ? maj : min, pass == 0 ? GSS_C_GSS_CODE : GSS_C_MECH_CODE,
                             GSS_C_NO_OID, &ctx, &b) != GSS_S_COMPLETE)
        break;
      if (!s.empty()) s += "; ";
      s.append(static_cast<const char*>(b.value), b.length);
      gss_release_buffer(&m, &b);
    } while (ctx != 0);
  }
  return s;
}

// MIT's acceptor reports a context lifetime (time_rec) of the ticket's end
// time plus the allowed clock skew (libdefaults clockskew, 300 s unless
// configured), so a 4 s ticket would keep a session for 304 s. The session
// must end with the ticket: the skew is read once from the same profile
// GSS-API uses and taken off.
uint32_t clock_skew_s() {
  static const uint32_t skew = [] {
    krb5_deltat d = 300;
    krb5_context kc = nullptr;
    if (krb5_init_context(&kc) != 0) return uint32_t(d);
    profile_t prof = nullptr;
    if (krb5_get_profile(kc, &prof) == 0 && prof) {
      char* val = nullptr;
      if (profile_get_string(prof, "libdefaults", "clockskew", nullptr, "300", &val) == 0 && val) {
        krb5_deltat parsed = 0;
        if (krb5_string_to_deltat(val, &parsed) == 0 && parsed >= 0) d = parsed;
        profile_release_string(val);
      }
      profile_release(prof);
    }
    krb5_free_context(kc);
    return uint32_t(d);
  }();
  return skew;
}

bool acquire(const std::string& keytab, gss_cred_id_t* cred, std::string* why) {
  gss_key_value_element_desc el{"keytab", keytab.c_str()};
  gss_key_value_set_desc store{1, &el};
  gss_OID_desc both[2] = {kMechKrb5, kMechMsKrb5};
  gss_OID_set_desc mechs{2, both};
  OM_uint32 min = 0;
  OM_uint32 maj = gss_acquire_cred_from(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT,
                                        &store, cred, nullptr, nullptr);
  if (GSS_ERROR(maj)) {
    // Some builds know only the standard OID: retry with it alone.
    gss_OID_set_desc one{1, &kMechKrb5};
    maj = gss_acquire_cred_from(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &one, GSS_C_ACCEPT, &store,
                                cred, nullptr, nullptr);
  }
  if (GSS_ERROR(maj)) {
    *why = "keytab " + keytab + ": " + gss_error(maj, min);
    *cred = GSS_C_NO_CREDENTIAL;
    return false;
  }
  return true;
}

// The token must be a GSS InitialContextToken (RFC 2743 3.1) naming a krb5
// OID, so GSS's mechglue cannot be steered to another mechanism (SPNEGO,
// NTLM) by a crafted mechToken. Later tokens (rare for krb5) are not framed.
bool names_krb5(Bytes t) {
  ByteReader r(t);
  if (r.u8() != 0x60) return false;
  uint8_t l = r.u8();
  if (l & 0x80) {
    int n = l & 0x7f;
    if (n < 1 || n > 3) return false;
    r.bytes(size_t(n));
  }
  if (r.u8() != 0x06 || r.u8() != 9) return false;
  Bytes oid = r.bytes(9);
  if (!r.ok()) return false;
  return std::memcmp(oid.data(), kMechKrb5.elements, 9) == 0 ||
         std::memcmp(oid.data(), kMechMsKrb5.elements, 9) == 0;
}

class GssAcceptor final : public Krb5Acceptor {
 public:
  explicit GssAcceptor(std::string keytab) : keytab_(std::move(keytab)) {}
  ~GssAcceptor() override {
    OM_uint32 min = 0;
    if (ctx_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&min, &ctx_, GSS_C_NO_BUFFER);
    if (cred_ != GSS_C_NO_CREDENTIAL) gss_release_cred(&min, &cred_);
  }
  GssAcceptor(const GssAcceptor&) = delete;
  GssAcceptor& operator=(const GssAcceptor&) = delete;

  Krb5Result accept(Bytes token) override {
    Krb5Result res;
    if (done_) return res;
    if (ctx_ == GSS_C_NO_CONTEXT && !names_krb5(token)) {
      LOG_I("Kerberos: mechToken is not a krb5 initial context token");
      done_ = true;
      return res;
    }
    std::string why;
    if (cred_ == GSS_C_NO_CREDENTIAL && !acquire(keytab_, &cred_, &why)) {
      LOG_W("Kerberos: no acceptor credentials: %s", why.c_str());
      done_ = true;
      return res;
    }
    gss_buffer_desc in{token.size(), const_cast<uint8_t*>(token.data())};
    gss_buffer_desc out{0, nullptr};
    gss_name_t src = GSS_C_NO_NAME;
    OM_uint32 min = 0, flags = 0, time_rec = 0;
    OM_uint32 maj = gss_accept_sec_context(&min, &ctx_, cred_, &in, GSS_C_NO_CHANNEL_BINDINGS, &src,
                                           nullptr, &out, &flags, &time_rec, nullptr);
    if (out.length) {
      auto* p = static_cast<const uint8_t*>(out.value);
      res.out_token.assign(p, p + out.length);
    }
    OM_uint32 m2 = 0;
    gss_release_buffer(&m2, &out);
    if (GSS_ERROR(maj)) {
      LOG_I("Kerberos: ticket refused: %s", gss_error(maj, min).c_str());
      if (src != GSS_C_NO_NAME) gss_release_name(&m2, &src);
      done_ = true;
      return res;
    }
    if (maj & GSS_S_CONTINUE_NEEDED) {
      if (src != GSS_C_NO_NAME) gss_release_name(&m2, &src);
      res.status = Krb5Result::Status::kContinue;
      return res;
    }
    done_ = true;
    gss_buffer_desc name{0, nullptr};
    maj = gss_display_name(&min, src, &name, nullptr);
    gss_release_name(&m2, &src);
    if (GSS_ERROR(maj)) {
      LOG_W("Kerberos: cannot read the client principal: %s", gss_error(maj, min).c_str());
      return res;
    }
    res.principal.assign(static_cast<const char*>(name.value), name.length);
    gss_release_buffer(&m2, &name);

    gss_buffer_set_t keys = GSS_C_NO_BUFFER_SET;
    maj = gss_inquire_sec_context_by_oid(&min, ctx_, GSS_C_INQ_SSPI_SESSION_KEY, &keys);
    if (GSS_ERROR(maj) || !keys || keys->count < 1 || keys->elements[0].length == 0) {
      LOG_W("Kerberos: no session key for %s: %s", res.principal.c_str(), gss_error(maj, min).c_str());
      if (keys) gss_release_buffer_set(&m2, &keys);
      return res;
    }
    gss_buffer_desc& k = keys->elements[0];
    std::memcpy(res.session_key.data(), k.value, std::min<size_t>(k.length, 16));
    crypto::wipe(k.value, k.length);
    gss_release_buffer_set(&m2, &keys);
    res.has_session_key = true;
    if (time_rec == GSS_C_INDEFINITE) res.lifetime_s = 0;
    else res.lifetime_s = time_rec > clock_skew_s() + 1 ? time_rec - clock_skew_s() : 1;
    res.status = Krb5Result::Status::kComplete;
    complete_ = true;
    return res;
  }

  bool verify_mic(Bytes data, Bytes mic) override {
    if (!complete_) return false;
    gss_buffer_desc msg{data.size(), const_cast<uint8_t*>(data.data())};
    gss_buffer_desc tok{mic.size(), const_cast<uint8_t*>(mic.data())};
    OM_uint32 min = 0;
    gss_qop_t qop = 0;
    OM_uint32 maj = gss_verify_mic(&min, ctx_, &msg, &tok, &qop);
    if (maj != GSS_S_COMPLETE) LOG_I("Kerberos: mechListMIC: %s", gss_error(maj, min).c_str());
    return maj == GSS_S_COMPLETE;
  }

  std::vector<uint8_t> make_mic(Bytes data) override {
    if (!complete_) return {};
    gss_buffer_desc msg{data.size(), const_cast<uint8_t*>(data.data())};
    gss_buffer_desc tok{0, nullptr};
    OM_uint32 min = 0;
    if (gss_get_mic(&min, ctx_, GSS_C_QOP_DEFAULT, &msg, &tok) != GSS_S_COMPLETE) return {};
    auto* p = static_cast<const uint8_t*>(tok.value);
    std::vector<uint8_t> v(p, p + tok.length);
    gss_release_buffer(&min, &tok);
    return v;
  }

 private:
  std::string keytab_;
  gss_cred_id_t cred_ = GSS_C_NO_CREDENTIAL;
  gss_ctx_id_t ctx_ = GSS_C_NO_CONTEXT;
  bool done_ = false;
  bool complete_ = false;
};

}  // namespace

bool kerberos_built() { return true; }

std::unique_ptr<Krb5Acceptor> make_gss_acceptor(const std::string& keytab) {
  return std::make_unique<GssAcceptor>(keytab);
}

bool kerberos_keytab_usable(const std::string& keytab, std::string* why) {
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  if (!acquire(keytab, &cred, why)) return false;
  OM_uint32 min = 0;
  gss_release_cred(&min, &cred);
  return true;
}

#endif

}  // namespace cifsd::auth
