#include "smbd-auth/ntlm_server.h"

#include <openssl/rand.h>

#include <cstring>

#include "common/crypto/desl.h"
#include "common/crypto/md4.h"
#include "common/crypto/md5.h"
#include "common/crypto/rc4.h"
#include "common/log/log.h"
#include "common/util/utf16.h"

namespace cifsd::auth {

using namespace ntlmssp;

namespace {

constexpr size_t kV1Response = 24;              // DESL output (MS-NLMP 3.3.1)
constexpr size_t kV2MinResponse = 16 + 28 + 4;  // proof + fixed blob + MsvAvEOL

// The optional capabilities CHALLENGE mirrors from the client's NEGOTIATE.
// Never LM_KEY nor REQUEST_NON_NT_SESSION_KEY: both derive the NTLMv1
// KeyExchangeKey from the LM hash (MS-NLMP 3.4.5.1), which the password
// database does not hold, so with NTLMv1 KXKEY is always the SessionBaseKey
// or, with extended session security, the HMAC of it.
constexpr uint32_t kMirrored = kRequestTarget | kSign | kSeal | kAlwaysSign |
                               kExtendedSessionSecurity | k128 | k56 | kKeyExch;
static_assert((kMirrored & (kLmKey | kRequestNonNtSessionKey)) == 0);

const char kCliSign[] = "session key to client-to-server signing key magic constant";
const char kSrvSign[] = "session key to server-to-client signing key magic constant";
const char kCliSeal[] = "session key to client-to-server sealing key magic constant";
const char kSrvSeal[] = "session key to server-to-client sealing key magic constant";

// The magic constants include their terminating NUL (MS-NLMP 3.4.5.2).
Bytes magic(const char* s) { return {reinterpret_cast<const uint8_t*>(s), std::strlen(s) + 1}; }

// CRC-32 (IEEE 802.3, reflected), the checksum of NTLMSSP signatures without
// extended session security (MS-NLMP 3.4.4.1).
uint32_t crc32(Bytes data) {
  uint32_t c = 0xffffffffu;
  for (uint8_t b : data) {
    c ^= b;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

}  // namespace

namespace {

bool decide_kerberos(const GlobalConfig& g) {
  if (g.server_kerberos == Tristate::kDisabled) return false;
  bool required = g.server_kerberos == Tristate::kMandatory;
  std::string why;
  if (!kerberos_built()) {
    if (required) LOG_E("server kerberos = yes, but %s", (kerberos_keytab_usable("", &why), why.c_str()));
    return false;
  }
  if (g.realm.empty()) {
    if (required) LOG_E("server kerberos = yes needs 'realm'; Kerberos logons are off");
    return false;
  }
  if (!kerberos_keytab_usable(g.kerberos_keytab, &why)) {
    if (required) LOG_E("Kerberos logons are off: %s", why.c_str());
    else LOG_I("Kerberos logons are off: %s", why.c_str());
    return false;
  }
  LOG_I("Kerberos logons on for realm %s (keytab %s)", g.realm.c_str(), g.kerberos_keytab.c_str());
  return true;
}

}  // namespace

AuthSettings AuthSettings::from(const GlobalConfig& g) {
  AuthSettings s;
  s.netbios_name = ascii_upper(g.netbios_name);
  s.workgroup = ascii_upper(g.workgroup);
  s.dns_domain = ascii_lower(g.workgroup);
  s.dns_computer = ascii_lower(g.netbios_name);
  s.map_to_guest = g.map_to_guest;
  s.ntlm_auth = g.ntlm_auth;
  s.guest_account = g.guest_account;
  s.realm = g.realm;
  s.keytab = g.kerberos_keytab;
  s.kerberos = decide_kerberos(g);
  return s;
}

bool ntlmv2_proof(Bytes ntowfv2, Bytes server_challenge, Bytes temp, uint8_t proof[16]) {
  return crypto::hmac_md5(ntowfv2, {server_challenge, temp}, proof);
}

bool NtlmServer::negotiate(Bytes msg, std::vector<uint8_t>* challenge) {
  Negotiate n;
  if (negotiated_ || !parse_negotiate(msg, &n)) return false;
  uint32_t c = n.flags;
  // Answer the client's request: mirror the optional capabilities it asked
  // for, always offer NTLM with target info (needed for NTLMv2).
  uint32_t f = kNtlm | kTargetInfo | kVersion | kTargetTypeServer;
  f |= (c & kUnicode) ? kUnicode : kOem;
  f |= c & kMirrored;
  if (!(c & (kUnicode | kOem))) f = (f & ~kOem) | kUnicode;
  flags_ = f;
  if (fixed_challenge_) challenge_ = *fixed_challenge_;
  else if (RAND_bytes(challenge_.data(), int(challenge_.size())) != 1) return false;

  ChallengeParams p;
  p.flags = f;
  p.server_challenge = challenge_;
  p.target_name = env_.settings.netbios_name;
  p.nb_domain = env_.settings.workgroup;
  p.nb_computer = env_.settings.netbios_name;
  p.dns_domain = env_.settings.dns_domain;
  p.dns_computer = env_.settings.dns_computer;
  p.timestamp = filetime_now();
  challenge_msg_ = build_challenge(p);
  negotiate_msg_.assign(msg.begin(), msg.end());
  *challenge = challenge_msg_;
  negotiated_ = true;
  return true;
}

AuthOutcome NtlmServer::guest_outcome(Verdict v, const char* why) {
  AuthOutcome o;
  std::string err;
  auto id = env_.resolver ? env_.resolver->guest(env_.settings.guest_account, &err) : std::nullopt;
  if (!id) {
    LOG_W("%s: guest account '%s' unusable: %s", why, env_.settings.guest_account.c_str(),
          err.c_str());
    o.verdict = Verdict::kLogonFailure;
    return o;
  }
  o.identity = std::move(*id);
  if (v == Verdict::kAnonymous) {
    o.identity.anonymous = true;
    o.identity.guest = false;
    o.identity.user.clear();
    o.identity.domain.clear();
  } else {
    o.identity.guest = true;
    o.identity.anonymous = false;
  }
  o.verdict = v;
  return o;
}

bool NtlmServer::check_v2(const Authenticate& a, crypto::SecretArray<16>* session_base_key,
                          const PassdbEntry& entry) {
  Bytes proof_sent = a.nt_response.subspan(0, 16);
  Bytes temp = a.nt_response.subspan(16);
  // NTOWFv2 mixes in the domain name the client typed, which may not be ours;
  // like Windows servers, also accept the empty domain and our workgroup.
  std::string domains[3] = {a.domain_name, "", env_.settings.workgroup};
  bool matched = false;
  for (int i = 0; i < 3; i++) {
    bool dup = false;
    for (int j = 0; j < i; j++) dup |= domains[j] == domains[i];
    if (dup) continue;
    crypto::SecretArray<16> owf;
    uint8_t proof[16];
    if (!crypto::ntowf_v2(entry.nthash.view(), a.user_name, domains[i], owf.data()) ||
        !ntlmv2_proof(owf.view(), {challenge_.data(), 8}, temp, proof))
      return false;
    bool eq = crypto::equal_ct({proof, 16}, proof_sent);
    if (eq && !matched) {
      matched = true;
      if (!crypto::hmac_md5(owf.view(), {Bytes(proof, 16)}, session_base_key->data()))
        return false;
    }
    crypto::wipe(proof, sizeof(proof));
  }
  return matched;
}

bool NtlmServer::check_v1(const Authenticate& a, bool ess, const PassdbEntry& entry,
                          crypto::SecretArray<16>* key_exchange_key) {
  // MS-NLMP 3.3.1: NtChallengeResponse = DESL(NTOWFv1, C), where C is the
  // server challenge, or with extended session security the first 8 bytes of
  // MD5(ServerChallenge || ClientChallenge), the client challenge being the
  // first 8 bytes of the LM response. NTOWFv1 is the NT hash we store.
  Bytes server_challenge(challenge_.data(), 8);
  Bytes client_challenge = a.lm_response.subspan(0, ess ? 8 : 0);
  crypto::SecretArray<16> c;
  if (ess) {
    if (!crypto::md5({server_challenge, client_challenge}, c.data())) return false;
  } else {
    std::memcpy(c.data(), server_challenge.data(), 8);
  }
  uint8_t want[kV1Response];
  bool ok = crypto::desl(entry.nthash.view(), c.view().subspan(0, 8), want) &&
            crypto::equal_ct({want, kV1Response}, a.nt_response);
  crypto::wipe(want, sizeof(want));
  if (!ok) return false;

  // SessionBaseKey = MD4(NTOWFv1) (3.3.1); KXKEY (3.4.5.1) is
  // HMAC_MD5(SessionBaseKey, ServerChallenge || LmChallengeResponse[0..7])
  // with extended session security, else the SessionBaseKey itself (LM_KEY
  // and REQUEST_NON_NT_SESSION_KEY are never offered: see kMirrored).
  crypto::SecretArray<16> sbk;
  crypto::Md4 md4;
  md4.update(entry.nthash.view());
  md4.final(sbk.data());
  if (!ess) {
    *key_exchange_key = sbk;
    return true;
  }
  return crypto::hmac_md5(sbk.view(), {server_challenge, client_challenge},
                          key_exchange_key->data());
}

AuthOutcome NtlmServer::bad_password(const std::string& user) {
  if (env_.settings.map_to_guest == MapToGuest::kBadPassword) {
    LOG_I("wrong password for '%s': mapped to guest", user.c_str());
    return guest_outcome(Verdict::kGuest, "map to guest");
  }
  LOG_I("logon failure: wrong password for '%s'", user.c_str());
  AuthOutcome out;
  out.verdict = Verdict::kLogonFailure;
  return out;
}

AuthOutcome NtlmServer::authenticate(Bytes msg) {
  AuthOutcome out;
  if (!negotiated_ || done_) return out;  // kInvalid
  done_ = true;  // one AUTHENTICATE per context, whatever its fate
  Authenticate a;
  if (!parse_authenticate(msg, &a)) {
    LOG_I("malformed NTLMSSP AUTHENTICATE");
    return out;
  }
  attempted_user_ = a.user_name;
  uint32_t negotiated = a.flags & flags_;

  // Anonymous: no user and no NT response (MS-NLMP 3.2.5.1.2).
  if (a.user_name.empty() && a.nt_response.empty() && a.lm_response.size() <= 1)
    return guest_outcome(Verdict::kAnonymous, "anonymous logon");
  if (a.user_name.empty()) {
    out.verdict = Verdict::kLogonFailure;
    return out;
  }

  const PassdbEntry* entry = env_.passdb.find(a.user_name);
  if (!entry) {
    if (env_.settings.map_to_guest != MapToGuest::kNever) {
      LOG_I("unknown user '%s': mapped to guest", a.user_name.c_str());
      return guest_outcome(Verdict::kGuest, "map to guest");
    }
    LOG_I("logon failure: unknown user '%s'", a.user_name.c_str());
    out.verdict = Verdict::kLogonFailure;
    return out;
  }

  // KeyExchangeKey (MS-NLMP 3.4.5.1), from the NTLMv1 or NTLMv2 check.
  crypto::SecretArray<16> kxkey;
  bool mic_announced = false;
  if (a.nt_response.size() == kV1Response) {
    // NTLMv1 (DES based and weak: off unless "ntlm auth" permits it).
    if (!env_.settings.ntlm_auth) {
      LOG_W("logon failure for '%s': NTLMv1 response refused (ntlm auth = ntlmv2-only)",
            a.user_name.c_str());
      out.verdict = Verdict::kLogonFailure;
      return out;
    }
    bool ess = negotiated & kExtendedSessionSecurity;
    if (ess && a.lm_response.size() != kV1Response) {
      // With extended session security the LM field carries the client
      // challenge, padded with zeros to 24 bytes (MS-NLMP 3.3.1).
      LOG_I("logon failure for '%s': NTLMv1 with extended session security but a "
            "%zu-byte LM response", a.user_name.c_str(), a.lm_response.size());
      out.verdict = Verdict::kLogonFailure;
      return out;
    }
    if (!check_v1(a, ess, *entry, &kxkey)) return bad_password(a.user_name);
    LOG_I("NTLMv1 logon for '%s'%s (ntlm auth = ntlmv1-permitted)", a.user_name.c_str(),
          ess ? " with extended session security" : "");
  } else if (a.nt_response.size() < kV2MinResponse) {
    // LM needs the LM hash, which the password database does not hold, so an
    // LM-only response cannot be checked, whatever "ntlm auth" says.
    if (a.nt_response.empty() && a.lm_response.size() == kV1Response)
      LOG_W("logon failure for '%s': LM-only response refused (LM is not supported: the "
            "password database holds only NT hashes)", a.user_name.c_str());
    else
      LOG_W("logon failure for '%s': %zu-byte NT response is neither NTLMv1 nor NTLMv2",
            a.user_name.c_str(), a.nt_response.size());
    out.verdict = Verdict::kLogonFailure;
    return out;
  } else {
    V2Blob blob;
    if (!parse_v2_blob(a.nt_response.subspan(16), &blob)) {
      // A malformed NTLMv2 blob is a bad request, not a bad password (Windows
      // answers STATUS_INVALID_PARAMETER; smbtorture smb2.session.ntlmssp_bug14932).
      LOG_I("malformed NTLMv2 response from '%s'", a.user_name.c_str());
      out.verdict = Verdict::kInvalid;
      return out;
    }
    // KeyExchangeKey is the SessionBaseKey for NTLMv2 (MS-NLMP 3.4.5.1).
    if (!check_v2(a, &kxkey, *entry)) return bad_password(a.user_name);
    mic_announced = blob.has_av_flags && (blob.av_flags & kAvFlagMicPresent);
  }

  crypto::SecretArray<16> esk = kxkey;
  if ((negotiated & kKeyExch) && a.encrypted_session_key.size() == 16) {
    crypto::Rc4 rc4(kxkey.view());
    rc4.crypt(a.encrypted_session_key.data(), esk.data(), 16);
  }

  if (mic_announced) {
    if (!a.has_mic_field) {
      LOG_I("logon failure for '%s': MIC announced but absent", a.user_name.c_str());
      out.verdict = Verdict::kLogonFailure;
      return out;
    }
    std::vector<uint8_t> copy(msg.begin(), msg.end());
    uint8_t sent[16];
    std::memcpy(sent, copy.data() + kAuthMicOffset, 16);
    std::memset(copy.data() + kAuthMicOffset, 0, 16);
    uint8_t mic[16];
    bool ok = crypto::hmac_md5(esk.view(), {Bytes(negotiate_msg_), Bytes(challenge_msg_),
                                            Bytes(copy)}, mic);
    if (!ok || !crypto::equal_ct({mic, 16}, {sent, 16})) {
      LOG_I("logon failure for '%s': AUTHENTICATE MIC mismatch", a.user_name.c_str());
      out.verdict = Verdict::kLogonFailure;
      return out;
    }
  }

  std::string why;
  auto id = env_.resolver ? env_.resolver->user(entry->name, &why) : std::nullopt;
  if (!id) {
    LOG_W("logon failure for '%s': %s", entry->name.c_str(), why.c_str());
    out.verdict = Verdict::kLogonFailure;
    return out;
  }
  id->domain = a.domain_name;
  out.identity = std::move(*id);
  out.verdict = Verdict::kOk;
  out.has_session_key = true;
  out.session_key = esk;
  negotiated_flags_ = negotiated;
  derive_keys(esk);
  return out;
}

void NtlmServer::derive_keys(const crypto::SecretArray<16>& esk) {
  if (!(negotiated_flags_ & kExtendedSessionSecurity)) {
    // Without extended session security (NTLMv1 only in practice) there is no
    // signing key and one sealing key for both directions: the
    // ExportedSessionKey itself, LM_KEY never being negotiated (SEALKEY,
    // MS-NLMP 3.4.5.3). sign() uses client_seal_ for both.
    client_seal_ = esk;
    keys_ready_ = true;
    return;
  }
  size_t seal_len = (negotiated_flags_ & k128) ? 16 : (negotiated_flags_ & k56) ? 7 : 5;
  Bytes k = esk.view();
  bool ok = crypto::md5({k, magic(kCliSign)}, client_sign_.data()) &&
            crypto::md5({k, magic(kSrvSign)}, server_sign_.data()) &&
            crypto::md5({k.subspan(0, seal_len), magic(kCliSeal)}, client_seal_.data()) &&
            crypto::md5({k.subspan(0, seal_len), magic(kSrvSeal)}, server_seal_.data());
  keys_ready_ = ok;
}

std::vector<uint8_t> NtlmServer::sign(Bytes data, bool server) const {
  std::vector<uint8_t> sig = {1, 0, 0, 0};
  if (!(negotiated_flags_ & kExtendedSessionSecurity)) {
    // MS-NLMP 3.4.4.1: RC4(handle, RandomPad || CRC32(data) || SeqNum), the
    // pad being zero (as in the 4.2.2.4 example). Without extended session
    // security one RC4 handle and one sequence counter serve both directions
    // (half duplex, MS-NLMP 3.4): the client's mechListMIC is message 0, our
    // answer message 1, sealed with the key stream after the client's.
    uint8_t skipped[12] = {};
    uint8_t body[12] = {};
    uint32_t crc = crc32(data);
    for (int i = 0; i < 4; i++) body[4 + i] = uint8_t(crc >> (8 * i));
    body[8] = server ? 1 : 0;
    crypto::Rc4 rc4(client_seal_.view());
    if (server) rc4.crypt({skipped, sizeof(skipped)});
    rc4.crypt({body, sizeof(body)});
    sig.insert(sig.end(), body, body + sizeof(body));
    crypto::wipe(skipped, sizeof(skipped));
    return sig;
  }
  // MS-NLMP 3.4.4.2 (extended session security): sequence number 0 and a
  // fresh sealing handle in each direction, the mechListMIC being the first
  // message signed in each.
  const crypto::SecretArray<16>& sign_key = server ? server_sign_ : client_sign_;
  const crypto::SecretArray<16>& seal_key = server ? server_seal_ : client_seal_;
  const uint8_t seq[4] = {0, 0, 0, 0};
  uint8_t mac[16];
  if (!crypto::hmac_md5(sign_key.view(), {Bytes(seq, 4), data}, mac)) return {};
  if (negotiated_flags_ & kKeyExch) {
    crypto::Rc4 rc4(seal_key.view());
    rc4.crypt({mac, 8});
  }
  sig.insert(sig.end(), mac, mac + 8);
  sig.insert(sig.end(), seq, seq + 4);
  crypto::wipe(mac, sizeof(mac));
  return sig;
}

bool NtlmServer::verify_client_signature(Bytes data, Bytes signature) const {
  if (!keys_ready_ || signature.size() != 16) return false;
  std::vector<uint8_t> want = sign(data, false);
  if (want.size() != 16) return false;
  if (negotiated_flags_ & kExtendedSessionSecurity) return crypto::equal_ct(want, signature);
  // Without extended session security the RandomPad (bytes 4..7) is the
  // sender's choice and protects nothing: check the version, the checksum
  // and the sequence number.
  return crypto::equal_ct(Bytes(want).subspan(0, 4), signature.subspan(0, 4)) &
         crypto::equal_ct(Bytes(want).subspan(8), signature.subspan(8));
}

std::vector<uint8_t> NtlmServer::server_signature(Bytes data) const {
  if (!keys_ready_) return {};
  return sign(data, true);
}

}  // namespace cifsd::auth
