#include "common/ipc/auth_proto.h"

#include "common/ipc/codec.h"

namespace cifsd::ipc::auth {

// Each message lists its fields once (fields() in the header); the codec
// in codec.h derives the encoder and the strict decoder from that list.
void Hello::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Hello> Hello::decode(Bytes b) { return read_fields<Hello>(b); }
void HelloAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<HelloAnswer> HelloAnswer::decode(Bytes b) { return read_fields<HelloAnswer>(b); }
void NegToken::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<NegToken> NegToken::decode(Bytes b) { return read_fields<NegToken>(b); }
void NegTokenAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<NegTokenAnswer> NegTokenAnswer::decode(Bytes b) { return read_fields<NegTokenAnswer>(b); }
void SessionSetup::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<SessionSetup> SessionSetup::decode(Bytes b) { return read_fields<SessionSetup>(b); }
void SessionSetupAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<SessionSetupAnswer> SessionSetupAnswer::decode(Bytes b) { return read_fields<SessionSetupAnswer>(b); }
void Release::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Release> Release::decode(Bytes b) { return read_fields<Release>(b); }
void ReleaseAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<ReleaseAnswer> ReleaseAnswer::decode(Bytes b) { return read_fields<ReleaseAnswer>(b); }

bool SessionSetupAnswer::validate() const {
  switch (result) {
    case SetupResult::kMoreProcessing: return context != 0;
    case SetupResult::kOk:
      // uid 0 is never handed to a session process: it must not act as root.
      if (identity.uid == 0 || identity.gid == 0) return false;
      if (!identity.anonymous && identity.user.empty()) return false;
      for (uint32_t g : identity.groups) if (g == 0) return false;
      return true;
    case SetupResult::kLogonFailure:
    case SetupResult::kInvalid:
    case SetupResult::kAccessDenied: return true;
  }
  return false;
}

}  // namespace cifsd::ipc::auth
