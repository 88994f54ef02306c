// fuzz-sources: smbd-rpc/ndr.cc smbd-rpc/pdu.cc smbd-rpc/interfaces.cc smbd-rpc/srvsvc.cc smbd-rpc/wkssvc.cc smbd-rpc/pipe.cc smbd-rpc/session_channel.cc common/ipc/rpc_proto.cc common/ipc/channel.cc common/config/config.cc common/util/utf16.cc common/log/log.cc
// fuzz-libs: -linih
// The smbd-rpc side of rpc_proto: raw packets (u16 length + bytes each) go
// through the framing parser and SessionChannel, as a compromised session
// could send them. Mode bit 0 sends a valid Hello first so the pipe
// operations are reached. Checks: every accepted request yields an answer of
// type request|1 whose payload decodes with the matching answer decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/ipc/channel.h"
#include "common/ipc/rpc_proto.h"
#include "common/log/log.h"
#include "smbd-rpc/session_channel.h"

using namespace cifsd;
namespace ipcr = cifsd::ipc::rpc;

namespace {

std::shared_ptr<const Config> config() {
  static std::shared_ptr<const Config> c = [] {
    log::init("fuzz", false, log::kError);
    auto r = parse_config_text("[global]\nnetbios name = FUZZ\n[a]\npath = /a\n", "fuzz");
    if (!r.config) abort();
    return std::make_shared<const Config>(std::move(*r.config));
  }();
  return c;
}

void check_answer(uint16_t type, uint16_t atype, const std::vector<uint8_t>& a) {
  if (atype != uint16_t(type | 1)) abort();
  Bytes b{a.data(), a.size()};
  bool ok = false;
  switch (type) {
    case ipcr::kHello: ok = ipcr::HelloAnswer::decode(b).has_value(); break;
    case ipcr::kRead:
    case ipcr::kTransceive: ok = ipcr::DataAnswer::decode(b).has_value(); break;
    default: ok = ipcr::StatusAnswer::decode(b).has_value(); break;
  }
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ByteReader r({data, size});
  uint8_t mode = r.u8();
  rpc::RpcEnv env;
  env.config = config();
  rpc::SessionChannel ch(env);
  uint16_t atype = 0;
  std::vector<uint8_t> answer;
  if (mode & 1) {
    ByteWriter w;
    ipcr::Hello{}.encode(w);
    if (!ch.handle(ipcr::kHello, w.view(), &atype, &answer)) abort();
  }
  while (r.remaining() >= 2) {
    size_t n = r.u16();
    if (n > r.remaining()) n = r.remaining();
    Bytes pkt = r.bytes(n);
    ipc::Message m;
    if (ipc::parse_packet(pkt, ipcr::kVersion, &m) != ipc::RecvStatus::kOk) {
      // Feed the bytes straight to the decoders too: they are the first
      // thing a payload meets.
      (void)ipcr::Open::decode(pkt);
      (void)ipcr::Write::decode(pkt);
      (void)ipcr::Transceive::decode(pkt);
      continue;
    }
    if (!ch.handle(m.type, m.body(), &atype, &answer)) break;  // channel closed
    check_answer(m.type, atype, answer);
  }
  return 0;
}
