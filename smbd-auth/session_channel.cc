#include "smbd-auth/session_channel.h"

#include <openssl/rand.h>

#include <algorithm>

#include "common/crypto/secret.h"
#include "common/log/log.h"
#include "common/wire/writer.h"
#include "smbd-auth/spnego.h"

namespace cifsd::auth {

namespace ia = ipc::auth;

uint64_t SessionChannel::new_context_id() const {
  // Random and nonzero, so one session cannot guess another's (they are per
  // channel anyway) and a stale id is unlikely to hit a fresh context.
  for (;;) {
    uint64_t id = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof(id)) != 1) return 0;
    if (id != 0 && !contexts_.count(id)) return id;
  }
}

void SessionChannel::expire(int64_t now_s) {
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    if (now_s - it->second.created >= kContextLifetimeSec) it = contexts_.erase(it);
    else ++it;
  }
}

bool SessionChannel::session_setup(Bytes body, int64_t now_s, int64_t now_ms,
                                   std::vector<uint8_t>* answer) {
  auto req = ia::SessionSetup::decode(body);
  if (!req) return false;
  expire(now_s);
  ia::SessionSetupAnswer a;
  uint64_t id = req->context;
  if (id == 0) {
    if (contexts_.size() >= kMaxContextsPerChannel) {
      // Evict the oldest: only this session's own unfinished logons suffer.
      auto oldest = contexts_.begin();
      for (auto it = contexts_.begin(); it != contexts_.end(); ++it)
        if (it->second.created < oldest->second.created) oldest = it;
      contexts_.erase(oldest);
    }
    id = new_context_id();
    if (id == 0) return false;
    contexts_[id] = Entry{std::make_unique<AuthContext>(env_), now_s};
  }
  auto it = contexts_.find(id);
  std::string account;
  if (it == contexts_.end()) {
    a.result = ia::SetupResult::kInvalid;  // expired or never issued
  } else {
    a = it->second.ctx->step(req->blob);
    account = it->second.ctx->attempted_user();
    if (a.result == ia::SetupResult::kMoreProcessing) a.context = id;
    else contexts_.erase(it);
  }
  if (!a.validate()) {
    // Our own answer must satisfy the contract (e.g. never uid 0).
    LOG_E("internal: invalid session setup answer refused");
    ia::SessionSetupAnswer f;
    f.result = ia::SetupResult::kLogonFailure;
    a = std::move(f);
  }
  if (a.result == ia::SetupResult::kOk && !a.identity.guest && !a.identity.anonymous)
    vouched_uid_ = a.identity.uid;
  if (a.result == ia::SetupResult::kLogonFailure) {
    failures_++;
    uint32_t shift = std::min<uint32_t>(failures_ - 1, 5);
    delay_ms_ = std::min(kFailureDelayBaseMs << shift, kFailureDelayMaxMs);
    if (throttle_) {
      int64_t release = throttle_->on_failure(client_address_, account, now_ms);
      delay_ms_ = std::max<uint32_t>(delay_ms_, uint32_t(std::max<int64_t>(0, release - now_ms)));
    }
  }
  ByteWriter w(*answer);
  a.encode(w);
  crypto::wipe(a.session_key.data(), a.session_key.size());
  return true;
}

bool SessionChannel::handle(uint16_t type, Bytes body, int64_t now_s, uint16_t* answer_type,
                            std::vector<uint8_t>* answer, int64_t now_ms) {
  if (now_ms < 0) now_ms = now_s * 1000;
  answer->clear();
  delay_ms_ = 0;
  vouched_uid_ = 0;
  *answer_type = uint16_t(type | 1);
  if (!hello_) {
    if (type != ia::kHello) return false;
    auto h = ia::Hello::decode(body);
    if (!h || h->version != ia::kVersion) return false;
    hello_ = true;
    ByteWriter w(*answer);
    ia::HelloAnswer{}.encode(w);
    return true;
  }
  switch (type) {
    case ia::kNegToken: {
      if (!ia::NegToken::decode(body)) return false;
      ia::NegTokenAnswer a;
      a.blob = spnego::build_server_init(env_.settings.kerberos);
      ByteWriter w(*answer);
      a.encode(w);
      return true;
    }
    case ia::kSessionSetup:
      return session_setup(body, now_s, now_ms, answer);
    case ia::kRelease: {
      auto r = ia::Release::decode(body);
      if (!r) return false;
      contexts_.erase(r->context);
      ByteWriter w(*answer);
      ia::ReleaseAnswer{}.encode(w);
      return true;
    }
    default:
      return false;  // includes a second Hello
  }
}

}  // namespace cifsd::auth
