// The pure parser of 3.1.1 negotiate contexts (MS-SMB2 2.2.3.1, 3.3.5.4);
// no I/O, shared with the unit tests and the fuzzer.
#include <algorithm>

#include "smbd-session/negotiate.h"
#include "smbd-session/posix/posix_ext.h"

namespace cifsd::session {
namespace {

bool read_u16_list(ByteReader& r, uint16_t n, std::vector<uint16_t>* out) {
  out->clear();
  for (uint16_t i = 0; i < n; i++) out->push_back(r.u16());
  return r.ok();
}

}  // namespace

NtStatus parse_negotiate_contexts(Bytes msg, uint32_t offset, uint16_t count,
                                  NegotiateContexts* out) {
  *out = NegotiateContexts{};
  if (count == 0) return status::kInvalidParameter;  // 3.1.1 needs the preauth context
  ByteReader r(msg);
  r.seek(offset);
  if (!r.ok() || offset % 8 != 0) return status::kInvalidParameter;
  for (uint16_t i = 0; i < count; i++) {
    if (i > 0) r.align(8);
    uint16_t type = r.u16();
    uint16_t len = r.u16();
    r.skip(4);
    Bytes data = r.bytes(len);
    if (!r.ok()) return status::kInvalidParameter;
    ByteReader d(data);
    switch (type) {
      case kCtxPreauth: {
        if (out->has_preauth) return status::kInvalidParameter;
        out->has_preauth = true;
        uint16_t n = d.u16();
        uint16_t salt = d.u16();
        if (n == 0 || !read_u16_list(d, n, &out->hash_algs)) return status::kInvalidParameter;
        d.skip(salt);
        if (!d.ok()) return status::kInvalidParameter;
        break;
      }
      case kCtxEncryption: {
        if (out->has_encryption) return status::kInvalidParameter;
        out->has_encryption = true;
        uint16_t n = d.u16();
        if (n == 0 || !read_u16_list(d, n, &out->ciphers)) return status::kInvalidParameter;
        break;
      }
      case kCtxSigning: {
        if (out->has_signing) return status::kInvalidParameter;
        out->has_signing = true;
        uint16_t n = d.u16();
        if (n == 0 || !read_u16_list(d, n, &out->signing_algs)) return status::kInvalidParameter;
        break;
      }
      case kCtxCompression: {
        if (out->has_compression) return status::kInvalidParameter;
        out->has_compression = true;
        // Compression is not offered; the context only has to be well formed.
        uint16_t n = d.u16();
        if (n == 0 || d.remaining() < 6u + 2u * n) return status::kInvalidParameter;
        break;
      }
      case posix::kNegotiateContextType:
        // Another version's tag is simply not ours: ignored like an unknown context.
        out->posix = out->posix || posix::is_tag(data);
        break;
      default:
        break;  // NETNAME, TRANSPORT, RDMA and unknown contexts are ignored
    }
  }
  if (!out->has_preauth) return status::kInvalidParameter;
  if (std::find(out->hash_algs.begin(), out->hash_algs.end(), kHashSha512) == out->hash_algs.end())
    return kStatusNoPreauthOverlap;
  return status::kSuccess;
}

}  // namespace cifsd::session
