// NEGOTIATE (MS-SMB2 2.2.3, 2.2.4, 3.3.5.4).
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/negotiate.h"
#include "smbd-session/posix/posix_ext.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

constexpr uint16_t kKnownDialects[] = {kSmb202, kSmb210, kSmb300, kSmb302, kSmb311};

uint64_t filetime_now() {
  struct timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t(ts.tv_sec) + 11644473600ull) * 10000000ull + uint64_t(ts.tv_nsec) / 100;
}

bool read_u16_list(ByteReader& r, uint16_t n, std::vector<uint16_t>* out) {
  out->clear();
  for (uint16_t i = 0; i < n; i++) out->push_back(r.u16());
  return r.ok();
}

}  // namespace

std::array<uint8_t, 16> server_guid(const Config& cfg) {
  std::array<uint8_t, 16> g{};
  std::string seed = "cifsd server guid:" + cfg.global.netbios_name;
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (EVP_Digest(seed.data(), seed.size(), md, &n, EVP_sha256(), nullptr) == 1 && n >= 16)
    std::copy(md, md + 16, g.begin());
  return g;
}

NtStatus build_negotiate_response(Connection& c, uint16_t dialect, const NegotiateContexts* ctx,
                                  ByteWriter& out) {
  const GlobalConfig& g = c.config.global;
  c.server_guid = server_guid(c.config);
  c.server_security_mode = smb2::kSigningEnabled | (c.signing_mandatory ? smb2::kSigningRequired : 0);
  bool multi = dialect != kSmb202;
  c.server_capabilities = multi ? smb2::kCapLargeMtu : 0;
  // Leases (2.1+): smbd-session/oplock.h; directory leases (3.x) when enabled.
  if (multi && g.smb2_leases) c.server_capabilities |= smb2::kCapLeasing;
  if (multi && g.smb2_leases && g.smb3_directory_leases && dialect >= kSmb300 &&
      dialect != smb2::kDialectWildcard)
    c.server_capabilities |= smb2::kCapDirectoryLeasing;
  // Multichannel (3.x, docs/multichannel.md): session binding from another connection.
  if (dialect >= kSmb300 && dialect != smb2::kDialectWildcard && g.server_multi_channel)
    c.server_capabilities |= smb2::kCapMultiChannel;
  bool enc_allowed = g.smb3_encryption != Tristate::kDisabled;
  c.cipher = 0;
  if ((dialect == kSmb300 || dialect == kSmb302) && enc_allowed &&
      (c.client_capabilities & smb2::kCapEncryption)) {
    // 3.0.x has one cipher; the capability announces it.
    c.server_capabilities |= smb2::kCapEncryption;
    c.cipher = crypto::kAes128Ccm;
  }
  if (RAND_bytes(c.enc_nonce_salt.data(), int(c.enc_nonce_salt.size())) != 1) return status::kInternalError;
  uint32_t cap = multi ? (8u << 20) : 65536u;
  c.max_trans = std::min(g.smb2_max_trans ? g.smb2_max_trans : 65536u, cap);
  c.max_read = std::min(g.smb2_max_read ? g.smb2_max_read : 65536u, cap);
  c.max_write = std::min(g.smb2_max_write ? g.smb2_max_write : 65536u, cap);
  if (dialect != smb2::kDialectWildcard) c.dialect = dialect;

  std::vector<uint8_t> blob;
  if (auth_neg_token(c, &blob) != status::kSuccess) {
    // Clients fall back to raw NTLMSSP when the hint is missing.
    LOG_W("no SPNEGO hint from smbd-auth");
    blob.clear();
  }

  size_t base = out.size();
  out.u16(65);
  out.u16(c.server_security_mode);
  out.u16(dialect);
  size_t ctx_count_at = out.reserve(2);
  out.raw(c.server_guid.data(), 16);
  out.u32(c.server_capabilities);
  out.u32(c.max_trans);
  out.u32(c.max_read);
  out.u32(c.max_write);
  out.u64(filetime_now());
  out.u64(0);  // ServerStartTime
  out.u16(uint16_t(smb2::kHeaderSize + 64));
  out.u16(uint16_t(blob.size()));
  size_t ctx_off_at = out.reserve(4);
  out.bytes(blob);
  if (blob.empty()) out.u8(0);

  if (dialect == kSmb311 && ctx) {
    // Body offsets equal header offsets modulo 8 (the header is 64 bytes).
    auto align8 = [&] { while ((out.size() - base) % 8) out.u8(0); };
    align8();
    out.patch_u32(ctx_off_at, uint32_t(smb2::kHeaderSize + out.size() - base));
    uint16_t n = 0;
    // PREAUTH_INTEGRITY_CAPABILITIES: SHA-512 and a fresh salt.
    uint8_t salt[32];
    if (RAND_bytes(salt, sizeof(salt)) != 1) return status::kInternalError;
    out.u16(kCtxPreauth);
    out.u16(uint16_t(4 + 2 + sizeof(salt)));
    out.u32(0);
    out.u16(1);
    out.u16(sizeof(salt));
    out.u16(kHashSha512);
    out.raw(salt, sizeof(salt));
    n++;
    c.preauth_hash_id = kHashSha512;
    if (ctx->has_encryption) {
      // Server preference: GCM before CCM, 128 before 256 bits (faster, and
      // what Windows picks); 0 means "no common cipher".
      c.cipher = 0;
      if (enc_allowed) {
        for (uint16_t want : {crypto::kAes128Gcm, crypto::kAes128Ccm, crypto::kAes256Gcm,
                              crypto::kAes256Ccm})
          if (std::find(ctx->ciphers.begin(), ctx->ciphers.end(), want) != ctx->ciphers.end()) {
            c.cipher = want;
            break;
          }
      }
      align8();
      out.u16(kCtxEncryption);
      out.u16(4);
      out.u32(0);
      out.u16(1);
      out.u16(c.cipher);
      n++;
    }
    c.signing_algorithm = kSignAesCmac;
    if (ctx->has_signing) {
      auto offered = [&](uint16_t a) {
        return std::find(ctx->signing_algs.begin(), ctx->signing_algs.end(), a) !=
               ctx->signing_algs.end();
      };
      if (offered(kSignAesGmac)) c.signing_algorithm = kSignAesGmac;
      else if (offered(kSignAesCmac)) c.signing_algorithm = kSignAesCmac;
      else if (offered(kSignHmacSha256)) c.signing_algorithm = kSignHmacSha256;
      align8();
      out.u16(kCtxSigning);
      out.u16(4);
      out.u32(0);
      out.u16(1);
      out.u16(c.signing_algorithm);
      n++;
    }
    // POSIX extensions: answered with the same tag when offered and enabled.
    c.posix_ext = ctx->posix && g.smb3_unix_extensions;
    if (c.posix_ext) {
      align8();
      out.u16(posix::kNegotiateContextType);
      out.u16(uint16_t(posix::tag().size()));
      out.u32(0);
      out.bytes(posix::tag());
      n++;
    }
    out.patch_u16(ctx_count_at, n);
  }
  return status::kSuccess;
}

NtStatus handle_negotiate(Request& req, ByteWriter& out) {
  Connection& c = req.conn;
  ByteReader r(req.body);
  r.skip(2);
  uint16_t count = r.u16();
  uint16_t sec_mode = r.u16();
  r.skip(2);
  uint32_t caps = r.u32();
  std::array<uint8_t, 16> guid{};
  r.copy(guid.data(), 16);
  uint32_t ctx_offset = r.u32();
  uint16_t ctx_count = r.u16();
  r.skip(2);
  std::vector<uint16_t> dialects;
  if (!r.ok() || count == 0 || !read_u16_list(r, count, &dialects)) return status::kInvalidParameter;

  const GlobalConfig& g = c.config.global;
  uint16_t best = 0;
  for (uint16_t d : dialects) {
    bool known = std::find(std::begin(kKnownDialects), std::end(kKnownDialects), d) !=
                 std::end(kKnownDialects);
    if (known && d >= g.min_protocol && d <= g.max_protocol && d > best) best = d;
  }
  if (best == 0) {
    LOG_I("no common dialect with the client");
    return status::kNotSupported;
  }
  NegotiateContexts ctx;
  if (best == kSmb311) {
    NtStatus st = parse_negotiate_contexts(req.pdu, ctx_offset, ctx_count, &ctx);
    if (st != status::kSuccess) return st;
  }
  c.client_dialects = dialects;
  c.client_guid = guid;
  c.client_security_mode = sec_mode;
  c.client_capabilities = caps;
  LOG_D("negotiated %s", protocol_name(best));
  return build_negotiate_response(c, best, best == kSmb311 ? &ctx : nullptr, out);
}

}  // namespace cifsd::session
