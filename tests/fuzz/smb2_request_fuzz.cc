// fuzz-sources: smbd-session/pdu.cc smbd-session/credits.cc smbd-session/negotiate_contexts.cc smbd-session/posix/posix_ext.cc common/util/utf16.cc smbd-session/crypto/smb_crypto.cc
// fuzz-libs: -lcrypto
// What a client sends to smbd-session before any handler runs: the byte
// stream goes through the NetBIOS framer (fed in uneven pieces, so partial
// reads are covered), each frame through the SMB1 NEGOTIATE parser or the
// SMB2 compound splitter and header parser, each command's MessageId and
// CreditCharge through a credit window, NEGOTIATE bodies through the 3.1.1
// negotiate-context parser, and every command through signature checks.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "smbd-session/credits.h"
#include "smbd-session/crypto/smb_crypto.h"
#include "smbd-session/negotiate.h"
#include "smbd-session/pdu.h"
#include "smbd-session/smb2_types.h"

using namespace cifsd;
using namespace cifsd::session;

namespace {

void check_pdu(Bytes pdu, CreditWindow& credits) {
  (void)parse_smb1_negotiate(pdu, true);
  std::vector<Bytes> cmds;
  if (!split_compound(pdu, &cmds, 64)) return;
  static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  size_t total = 0;
  for (Bytes msg : cmds) {
    total += msg.size();
    Smb2Header h;
    if (!parse_smb2_header(msg, &h)) __builtin_trap();  // split_compound validated it
    if (credits.consume(h.message_id, h.credit_charge)) credits.grant(credits.to_grant(h.credits, h.credit_charge, 512));
    if (h.command == smb2::kNegotiate) {
      ByteReader r(msg.subspan(smb2::kHeaderSize));
      r.skip(28);
      uint32_t off = r.u32();
      uint16_t count = r.u16();
      NegotiateContexts ctx;
      NtStatus st = parse_negotiate_contexts(msg, off, count, &ctx);
      if (st == status::kSuccess && !ctx.has_preauth) __builtin_trap();
    }
    for (auto alg : {crypto::SignAlg::kHmacSha256, crypto::SignAlg::kAesCmac, crypto::SignAlg::kAesGmac})
      (void)crypto::verify_message(alg, {key, 16}, msg);
  }
  if (total != pdu.size()) __builtin_trap();  // the chain covers the PDU exactly
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // First byte: the piece size used to feed the framer (1..256).
  size_t piece = size_t(data[0]) + 1;
  Bytes stream(data + 1, size - 1);
  Framer f;
  f.set_limit(64 * 1024);
  CreditWindow credits;
  size_t pos = 0;
  while (pos < stream.size()) {
    MutBytes want = f.want();
    if (want.empty()) __builtin_trap();  // kHeader/kBody always want bytes
    size_t n = want.size();
    if (n > piece) n = piece;
    if (n > stream.size() - pos) n = stream.size() - pos;
    std::memcpy(want.data(), stream.data() + pos, n);
    pos += n;
    f.advance(n);
    if (f.state() == Framer::State::kError) break;
    if (f.state() == Framer::State::kFrame) {
      uint8_t type = f.type();
      std::vector<uint8_t> frame = f.take();
      if (type == kNbSessionMessage) check_pdu({frame.data(), frame.size()}, credits);
    }
  }
  return 0;
}
