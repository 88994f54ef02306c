// fuzz-sources: smbd-rpc/ndr.cc smbd-rpc/pdu.cc smbd-rpc/interfaces.cc smbd-rpc/srvsvc.cc smbd-rpc/wkssvc.cc smbd-rpc/pipe.cc common/config/config.cc common/util/utf16.cc common/log/log.cc
// fuzz-libs: -linih
// DCE/RPC on one named pipe: the input is a sequence of writes (u16 length
// + bytes), optionally preceded by a valid bind so that requests reach the
// srvsvc/wkssvc decoders. Reads are drained with varying sizes after each
// write. Checks invariants besides "no crash": every message read is a whole
// PDU whose frag_length matches, and nothing is read back that was not queued.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/log/log.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"
#include "smbd-rpc/pipe.h"

using namespace cifsd;

namespace {

const char* kPipes[] = {"srvsvc", "wkssvc", "lsarpc", "samr"};
const char* kAbstract[] = {"4b324fc8-1670-01d3-1278-5a47bf6ee188", "6bffd098-a112-3610-9833-46c3f87e345a",
                           "12345778-1234-abcd-ef00-0123456789ab", "12345778-1234-abcd-ef00-0123456789ac"};
const uint16_t kMajor[] = {3, 1, 0, 1};

std::vector<uint8_t> valid_bind(int which) {
  ByteWriter w;
  const uint8_t hdr[] = {5, 0, 11, 3, 0x10, 0, 0, 0};
  w.raw(hdr, sizeof hdr);
  size_t frag = w.reserve(2);
  w.u16(0);
  w.u32(1);
  w.u16(4280);
  w.u16(4280);
  w.u32(0);
  w.u8(1); w.u8(0); w.u16(0);
  w.u16(0); w.u8(1); w.u8(0);
  rpc::Uuid a = rpc::uuid_from_string(kAbstract[which]);
  w.raw(a.data(), a.size());
  w.u16(kMajor[which]); w.u16(0);
  w.raw(rpc::kNdr20.uuid.data(), 16);
  w.u16(2); w.u16(0);
  w.patch_u16(frag, uint16_t(w.size()));
  return w.take();
}

std::shared_ptr<const Config> config() {
  static std::shared_ptr<const Config> c = [] {
    log::init("fuzz", false, log::kError);
    auto r = parse_config_text("[global]\nnetbios name = FUZZ\n[a]\npath = /a\ncomment = x\n"
                               "[b$]\npath = /b\n[c]\npath = /c\nbrowseable = no\n", "fuzz");
    if (!r.config) abort();
    return std::make_shared<const Config>(std::move(*r.config));
  }();
  return c;
}

void drain(rpc::Pipe& p, size_t max) {
  std::vector<uint8_t> m, whole;
  for (;;) {
    NtStatus st = p.read(max, &m);
    if (m.size() > max) abort();
    whole.insert(whole.end(), m.begin(), m.end());
    if (st == status::kBufferOverflow) {
      if (max == 0) max = 1;  // make progress
      continue;
    }
    if (st != status::kSuccess) break;
    // A whole message is exactly one PDU.
    if (whole.size() < 16 || size_t(whole[8] | whole[9] << 8) != whole.size() || whole[0] != 5) abort();
    whole.clear();
  }
  if (p.queued_bytes() != 0) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteReader r({data, size});
  uint8_t mode = r.u8();
  rpc::RpcEnv env;
  env.config = config();
  int which = mode & 3;
  rpc::Pipe pipe(kPipes[which], "fuzz", env);
  if (mode & 4) {
    auto b = valid_bind(which);
    pipe.write({b.data(), b.size()});
    drain(pipe, 65536);
  }
  size_t max = (mode & 8) ? 17 : 4280;
  while (r.remaining() >= 2) {
    size_t n = r.u16() % 8192;
    if (n > r.remaining()) n = r.remaining();
    Bytes chunk = r.bytes(n);
    pipe.write(chunk);
    drain(pipe, max);
  }
  return 0;
}
