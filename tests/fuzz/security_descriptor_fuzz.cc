// fuzz-sources: smbd-session/acl/sd.cc smbd-session/acl/access.cc smbd-session/acl/inherit.cc smbd-session/acl/store.cc
// Security descriptors from the wire (SET_INFO, the SecD create context) and
// from the xattr: the parser never reads outside the buffer, whatever it
// accepts re-encodes to something it accepts again with the same meaning,
// and the access check / inheritance / mode mapping run on it without fault.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sys/stat.h>

#include "smbd-session/acl/access.h"
#include "smbd-session/acl/inherit.h"
#include "smbd-session/acl/sd.h"
#include "smbd-session/acl/store.h"

using namespace cifsd;
using namespace cifsd::session;
using namespace cifsd::session::acl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes buf(data, size);
  SecurityDescriptor sd;
  if (parse_security_descriptor(buf, &sd) == status::kSuccess) {
    std::vector<uint8_t> enc = encode_security_descriptor(sd);
    SecurityDescriptor again;
    if (parse_security_descriptor(enc, &again) != status::kSuccess) abort();
    if (!(again == sd)) abort();
    if (encode_security_descriptor(again) != enc) abort();
    for (uint32_t si : {kSecOwner, kSecDacl, kSecSacl | kSecLabel, kSecLabel, 0u}) {
      SecurityDescriptor part;
      if (parse_security_descriptor(encode_security_descriptor(sd, si), &part) != status::kSuccess) abort();
    }
    Token t;
    t.sids = {uid_to_sid(1000), gid_to_sid(100), wk::everyone()};
    uint32_t g = granted_access(sd, t);
    if (g & (kAccessSystemSecurity | kMaximumAllowed)) abort();
    CreateInput in;
    in.parent = &sd;
    in.is_dir = size & 1;
    in.owner = t.sids[0];
    in.group = t.sids[1];
    bool worth = false;
    SecurityDescriptor child = create_descriptor(in, &worth);
    std::vector<uint8_t> ce = encode_security_descriptor(child);
    SecurityDescriptor cp;
    // An inherited ACL can outgrow 64 KiB only if the parent nearly did.
    if (ce.size() < 60000 && parse_security_descriptor(ce, &cp) != status::kSuccess) abort();
    (void)mode_from_descriptor(sd, S_IFREG | 0644, 100, false);
    std::vector<uint8_t> stored = encode_stored(sd, S_IFREG | 0600);
    auto back = decode_stored(stored, S_IFREG | 0600);
    if (!back || !(*back == sd)) abort();
  }
  // The stored-value decoder on raw bytes too.
  (void)decode_stored(buf, S_IFREG | 0644);
  Acl a;
  (void)parse_acl(buf, &a);
  return 0;
}
