#include "common/ipc/auth_proto.h"

#include "common/ipc/codec.h"

namespace cifsd::ipc::auth {

void Hello::encode(ByteWriter& w) const { w.u32(version); }
std::optional<Hello> Hello::decode(Bytes b) {
  ByteReader r(b);
  Hello m;
  m.version = r.u32();
  if (!finish(r)) return std::nullopt;
  return m;
}

void HelloAnswer::encode(ByteWriter& w) const { w.u32(version); }
std::optional<HelloAnswer> HelloAnswer::decode(Bytes b) {
  ByteReader r(b);
  HelloAnswer m;
  m.version = r.u32();
  if (!finish(r)) return std::nullopt;
  return m;
}

void NegToken::encode(ByteWriter&) const {}
std::optional<NegToken> NegToken::decode(Bytes b) {
  if (!b.empty()) return std::nullopt;
  return NegToken{};
}

void NegTokenAnswer::encode(ByteWriter& w) const { put_blob(w, {blob.data(), blob.size()}); }
std::optional<NegTokenAnswer> NegTokenAnswer::decode(Bytes b) {
  ByteReader r(b);
  NegTokenAnswer m;
  get_blob(r, kMaxBlob, &m.blob);
  if (!finish(r)) return std::nullopt;
  return m;
}

void SessionSetup::encode(ByteWriter& w) const {
  w.u64(context);
  put_blob(w, {blob.data(), blob.size()});
}
std::optional<SessionSetup> SessionSetup::decode(Bytes b) {
  ByteReader r(b);
  SessionSetup m;
  m.context = r.u64();
  get_blob(r, kMaxBlob, &m.blob);
  if (!finish(r)) return std::nullopt;
  return m;
}

void SessionSetupAnswer::encode(ByteWriter& w) const {
  w.u32(uint32_t(result));
  w.u64(context);
  put_blob(w, {blob.data(), blob.size()});
  put_str(w, identity.user);
  put_str(w, identity.domain);
  w.u32(identity.uid);
  w.u32(identity.gid);
  w.u32(uint32_t(identity.groups.size()));
  for (uint32_t g : identity.groups) w.u32(g);
  w.u32(uint32_t(identity.group_names.size()));
  for (auto& n : identity.group_names) put_str(w, n);
  w.u8(identity.guest);
  w.u8(identity.anonymous);
  w.u8(has_session_key);
  w.raw(session_key.data(), session_key.size());
}
std::optional<SessionSetupAnswer> SessionSetupAnswer::decode(Bytes b) {
  ByteReader r(b);
  SessionSetupAnswer m;
  m.result = SetupResult(r.u32());
  m.context = r.u64();
  get_blob(r, kMaxBlob, &m.blob);
  get_str(r, kMaxName, &m.identity.user);
  get_str(r, kMaxName, &m.identity.domain);
  m.identity.uid = r.u32();
  m.identity.gid = r.u32();
  uint32_t ng = r.u32();
  if (ng > kMaxGroups) return std::nullopt;
  for (uint32_t i = 0; i < ng && r.ok(); i++) m.identity.groups.push_back(r.u32());
  uint32_t nn = r.u32();
  if (nn > kMaxGroups) return std::nullopt;
  for (uint32_t i = 0; i < nn && r.ok(); i++) {
    std::string s;
    get_str(r, kMaxName, &s);
    m.identity.group_names.push_back(std::move(s));
  }
  uint8_t guest = r.u8(), anon = r.u8(), has_key = r.u8();
  r.copy(m.session_key.data(), m.session_key.size());
  if (!finish(r) || guest > 1 || anon > 1 || has_key > 1) return std::nullopt;
  m.identity.guest = guest;
  m.identity.anonymous = anon;
  m.has_session_key = has_key;
  if (!m.validate()) return std::nullopt;
  return m;
}
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

void Release::encode(ByteWriter& w) const { w.u64(context); }
std::optional<Release> Release::decode(Bytes b) {
  ByteReader r(b);
  Release m;
  m.context = r.u64();
  if (!finish(r)) return std::nullopt;
  return m;
}
void ReleaseAnswer::encode(ByteWriter&) const {}
std::optional<ReleaseAnswer> ReleaseAnswer::decode(Bytes b) {
  if (!b.empty()) return std::nullopt;
  return ReleaseAnswer{};
}

}  // namespace cifsd::ipc::auth
