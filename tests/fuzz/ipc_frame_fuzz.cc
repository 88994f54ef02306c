// fuzz-sources: common/ipc/channel.cc common/ipc/auth_proto.cc common/ipc/rpc_proto.cc common/ipc/master_proto.cc
// IPC framing and every message decoder of the three contracts. Besides "no
// crash", checks the strictness invariant: a payload that decodes re-encodes
// to exactly the same bytes (no ignored trailing data, no lossy field).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/ipc/auth_proto.h"
#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"
#include "common/ipc/rpc_proto.h"

using namespace cifsd;

namespace {

// Whatever decodes re-encodes to the same bytes. A message with an appended
// field (codec tail_u32) may come without it from an older sender; it then
// re-encodes with the field as four zero bytes.
template <class M, bool kHasTailU32 = false>
void check(cifsd::Bytes payload) {
  auto m = M::decode(payload);
  if (!m) return;
  ByteWriter w;
  m->encode(w);
  Bytes again = w.view();
  static const uint8_t kZeros[4] = {};
  bool tail_added = kHasTailU32 && again.size() == payload.size() + 4 &&
                    std::memcmp(again.data() + payload.size(), kZeros, 4) == 0;
  if ((again.size() != payload.size() && !tail_added) ||
      (payload.size() && std::memcmp(again.data(), payload.data(), payload.size()) != 0))
    __builtin_trap();
}

void auth_msg(uint16_t type, Bytes p) {
  using namespace cifsd::ipc::auth;
  switch (type) {
    case kHello: check<Hello>(p); break;
    case kHelloAnswer: check<HelloAnswer>(p); break;
    case kNegToken: check<NegToken>(p); break;
    case kNegTokenAnswer: check<NegTokenAnswer>(p); break;
    case kSessionSetup: check<SessionSetup>(p); break;
    case kSessionSetupAnswer: {
      check<SessionSetupAnswer, true>(p);
      auto a = SessionSetupAnswer::decode(p);
      // Whatever decodes is valid, and never names uid/gid 0 as a result.
      if (a && (!a->validate() ||
                (a->result == SetupResult::kOk && (a->identity.uid == 0 || a->identity.gid == 0))))
        __builtin_trap();
      break;
    }
    case kRelease: check<Release>(p); break;
    case kReleaseAnswer: check<ReleaseAnswer>(p); break;
  }
}

void rpc_msg(uint16_t type, Bytes p) {
  using namespace cifsd::ipc::rpc;
  switch (type) {
    case kHello: case kHelloAnswer: check<Hello>(p); break;
    case kOpen: check<Open>(p); break;
    case kOpenAnswer: case kWriteAnswer: case kCloseAnswer: check<StatusAnswer>(p); break;
    case kWrite: check<Write>(p); break;
    case kRead: check<Read>(p); break;
    case kTransceive: check<Transceive>(p); break;
    case kReadAnswer: case kTransceiveAnswer: check<DataAnswer>(p); break;
    case kClose: check<Close>(p); break;
  }
}

void master_msg(uint16_t type, Bytes p) {
  using namespace cifsd::ipc::master;
  switch (type) {
    case kHello: check<Hello>(p); break;
    case kHelloAnswer: check<HelloAnswer>(p); break;
    case kShareOpen: check<ShareOpen>(p); break;
    case kShareOpenAnswer: case kShareCloseAnswer: case kNewChannelAnswer: case kAttachAnswer:
    case kReloadAnswer: check<StatusAnswer>(p); break;
    case kShareClose: check<ShareClose>(p); break;
    case kNewChannel: check<NewChannel>(p); break;
    case kAttach: check<Attach>(p); break;
    case kReload: check<Reload>(p); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  // The header's version field picks the contract (all are version 1 today,
  // so the type's high byte selects one: 0 auth, 1 rpc, 2 master).
  ipc::Message m;
  if (ipc::parse_packet(in, 1, &m) != ipc::RecvStatus::kOk) return 0;
  if (m.payload.size() > ipc::kMaxPayload) __builtin_trap();
  Bytes p = m.body();
  uint16_t type = m.type & 0xFF;
  switch (m.type >> 8) {
    case 0: auth_msg(type, p); break;
    case 1: rpc_msg(type, p); break;
    default: master_msg(type, p); break;
  }
  return 0;
}
