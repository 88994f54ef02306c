#pragma once
// Shared helpers for the auth unit tests: hex conversion, a fake identity
// resolver and a minimal NTLMv2/NTLMv1 client written against MS-NLMP
// directly (it shares only the MD4/HMAC/RC4/DESL primitives with the server).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/crypto/desl.h"
#include "common/crypto/md4.h"
#include "common/crypto/md5.h"
#include "common/crypto/rc4.h"
#include "common/util/utf16.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"
#include "smbd-auth/auth_env.h"
#include "smbd-auth/ntlmssp.h"

namespace testutil {

inline std::vector<uint8_t> hex(const char* s) {
  std::vector<uint8_t> v;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (; s[0] && s[1]; s += 2) {
    while (*s == ' ') s++;
    if (!s[0] || !s[1]) break;
    v.push_back(uint8_t(nib(s[0]) << 4 | nib(s[1])));
  }
  return v;
}

class FakeResolver : public cifsd::auth::IdentityResolver {
 public:
  std::optional<cifsd::ipc::auth::Identity> user(const std::string& n, std::string* why) override {
    if (cifsd::ascii_lower(n) == "root") { *why = "uid 0"; return std::nullopt; }
    if (cifsd::ascii_lower(n) == "nounix") { *why = "no Unix user"; return std::nullopt; }
    cifsd::ipc::auth::Identity id;
    id.user = n;
    id.uid = 1000;
    id.gid = 1000;
    id.groups = {1000, 27};
    id.group_names = {"users", "sudo"};
    return id;
  }
  std::optional<cifsd::ipc::auth::Identity> guest(const std::string& n, std::string*) override {
    cifsd::ipc::auth::Identity id;
    id.user = n;
    id.uid = 65534;
    id.gid = 65534;
    return id;
  }
};

constexpr uint32_t kClientFlags = 0xe2088297;  // typical smbclient NEGOTIATE flags

struct Client {
  Client() = default;
  Client(std::string u, std::string d, std::string p)
      : user(std::move(u)), domain(std::move(d)), password(std::move(p)) {}
  std::string user, domain, password;
  bool key_exch = true;
  bool with_mic = true;
  std::vector<uint8_t> negotiate;
  uint8_t esk[16] = {};  // the exported session key the client chose
  uint32_t flags = kClientFlags;

  std::vector<uint8_t> make_negotiate() {
    negotiate = cifsd::ntlmssp::build_negotiate(flags);
    return negotiate;
  }

  // Builds an NTLMv2 AUTHENTICATE answering `challenge`.
  std::vector<uint8_t> make_authenticate(cifsd::Bytes challenge) {
    cifsd::ByteReader r(challenge);
    r.skip(20);
    uint32_t sflags = r.u32();
    uint8_t chal[8];
    r.copy(chal, 8);
    r.skip(8);
    uint16_t ti_len = r.u16();
    r.u16();
    uint32_t ti_off = r.u32();
    cifsd::Bytes ti;
    if (!r.ok() || !cifsd::ByteReader::range(challenge, ti_off, ti_len, &ti)) return {};
    // Target info from the server minus its EOL, plus MsvAvFlags (MIC present), EOL.
    cifsd::ByteWriter temp;
    temp.u8(1); temp.u8(1); temp.zeros(6);
    temp.u64(0x01d9000000000000ull);
    uint8_t cc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    temp.raw(cc, 8);
    temp.zeros(4);
    temp.bytes(ti.subspan(0, ti.size() - 4));
    if (with_mic) { temp.u16(6); temp.u16(4); temp.u32(2); }
    temp.u32(0);
    temp.u32(0);
    auto nth = cifsd::crypto::nt_hash(password);
    uint8_t owf[16], proof[16], sbk[16];
    cifsd::crypto::ntowf_v2(nth.view(), user, domain, owf);
    cifsd::crypto::hmac_md5({owf, 16}, {cifsd::Bytes(chal, 8), temp.view()}, proof);
    cifsd::crypto::hmac_md5({owf, 16}, {cifsd::Bytes(proof, 16)}, sbk);
    cifsd::ntlmssp::AuthenticateParams p;
    p.flags = sflags;
    if (!key_exch) p.flags &= ~uint32_t(cifsd::ntlmssp::kKeyExch);
    p.user = user;
    p.domain = domain;
    p.workstation = "CLIENT";
    p.nt_response.assign(proof, proof + 16);
    p.nt_response.insert(p.nt_response.end(), temp.view().begin(), temp.view().end());
    p.lm_response.assign(24, 0);
    if (p.flags & cifsd::ntlmssp::kKeyExch) {
      for (int i = 0; i < 16; i++) esk[i] = uint8_t(0x40 + i);
      std::vector<uint8_t> enc(esk, esk + 16);
      cifsd::crypto::Rc4 rc4({sbk, 16});
      rc4.crypt(enc);
      p.encrypted_session_key = enc;
    } else {
      std::memcpy(esk, sbk, 16);
    }
    p.with_mic = true;
    std::vector<uint8_t> msg = cifsd::ntlmssp::build_authenticate(p);
    if (with_mic) {
      uint8_t mic[16];
      cifsd::crypto::hmac_md5({esk, 16}, {cifsd::Bytes(negotiate), challenge, cifsd::Bytes(msg)},
                              mic);
      std::memcpy(msg.data() + 72, mic, 16);
    }
    flags_negotiated = p.flags;
    return msg;
  }
  uint32_t flags_negotiated = 0;

  // Builds an NTLMv1 AUTHENTICATE answering `challenge` (MS-NLMP 3.3.1), with
  // extended session security if the server offered it, else with the NT
  // response repeated in the LM field (NoLMResponseNTLMv1). No MIC.
  std::vector<uint8_t> make_authenticate_v1(cifsd::Bytes challenge) {
    using namespace cifsd;
    ByteReader r(challenge);
    r.skip(20);
    uint32_t sflags = r.u32();
    uint8_t chal[8];
    r.copy(chal, 8);
    if (!r.ok()) return {};
    bool ess = sflags & ntlmssp::kExtendedSessionSecurity;
    const uint8_t cc[8] = {0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8};
    auto nth = crypto::nt_hash(password);
    uint8_t c[16], nt[24], kx[16];
    if (ess) crypto::md5({Bytes(chal, 8), Bytes(cc, 8)}, c);
    else std::memcpy(c, chal, 8);
    crypto::desl(nth.view(), {c, 8}, nt);
    auto sbk = crypto::md4(nth.view());
    if (ess) crypto::hmac_md5(Bytes(sbk), {Bytes(chal, 8), Bytes(cc, 8)}, kx);
    else std::memcpy(kx, sbk.data(), 16);
    ntlmssp::AuthenticateParams p;
    p.flags = sflags & ~uint32_t(ntlmssp::kTargetInfo);
    if (!key_exch) p.flags &= ~uint32_t(ntlmssp::kKeyExch);
    p.user = user;
    p.domain = domain;
    p.workstation = "CLIENT";
    p.nt_response.assign(nt, nt + 24);
    if (ess) {
      p.lm_response.assign(cc, cc + 8);
      p.lm_response.resize(24, 0);
    } else {
      p.lm_response = p.nt_response;
    }
    if (p.flags & ntlmssp::kKeyExch) {
      for (int i = 0; i < 16; i++) esk[i] = uint8_t(0x70 + i);
      std::vector<uint8_t> enc(esk, esk + 16);
      crypto::Rc4 rc4({kx, 16});
      rc4.crypt(enc);
      p.encrypted_session_key = enc;
    } else {
      std::memcpy(esk, kx, 16);
    }
    p.with_mic = false;
    flags_negotiated = p.flags;
    return ntlmssp::build_authenticate(p);
  }

  // NTLMSSP signature (seq 0) in one direction, computed independently:
  // MS-NLMP 3.4.4.2 with extended session security, else 3.4.4.1.
  std::vector<uint8_t> signature(cifsd::Bytes data, bool client_to_server) {
    std::vector<uint8_t> sig = {1, 0, 0, 0};
    if (!(flags_negotiated & cifsd::ntlmssp::kExtendedSessionSecurity)) {
      uint32_t crc = 0xffffffffu;  // CRC-32, bit by bit
      for (uint8_t b : data) {
        crc ^= b;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
      }
      crc = ~crc;
      // One RC4 stream for both directions: the client's message 0 (with any
      // RandomPad), then the server's message 1 (pad zero).
      uint8_t c2s[12] = {0x11, 0x22, 0x33, 0x44}, s2c[12] = {};
      for (int i = 0; i < 4; i++) c2s[4 + i] = s2c[4 + i] = uint8_t(crc >> (8 * i));
      s2c[8] = 1;
      cifsd::crypto::Rc4 rc4({esk, 16});
      rc4.crypt({c2s, 12});
      rc4.crypt({s2c, 12});
      const uint8_t* body = client_to_server ? c2s : s2c;
      sig.insert(sig.end(), body, body + 12);
      return sig;
    }
    const char* sk = client_to_server
                         ? "session key to client-to-server signing key magic constant"
                         : "session key to server-to-client signing key magic constant";
    const char* ek = client_to_server
                         ? "session key to client-to-server sealing key magic constant"
                         : "session key to server-to-client sealing key magic constant";
    uint8_t signkey[16], sealkey[16], mac[16];
    cifsd::crypto::md5({cifsd::Bytes(esk, 16),
                        cifsd::Bytes(reinterpret_cast<const uint8_t*>(sk), strlen(sk) + 1)},
                       signkey);
    cifsd::crypto::md5({cifsd::Bytes(esk, 16),
                        cifsd::Bytes(reinterpret_cast<const uint8_t*>(ek), strlen(ek) + 1)},
                       sealkey);
    uint8_t seq[4] = {};
    cifsd::crypto::hmac_md5({signkey, 16}, {cifsd::Bytes(seq, 4), data}, mac);
    if (flags_negotiated & cifsd::ntlmssp::kKeyExch) {
      cifsd::crypto::Rc4 rc4({sealkey, 16});
      rc4.crypt({mac, 8});
    }
    sig.insert(sig.end(), mac, mac + 8);
    sig.insert(sig.end(), seq, seq + 4);
    return sig;
  }
};

}  // namespace testutil
