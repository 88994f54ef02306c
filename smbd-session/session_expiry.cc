#include "smbd-session/session_expiry.h"

#include <time.h>

#include "common/log/log.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t (*g_clock)() = monotonic_ms;

}  // namespace

int64_t session_clock_ms() { return g_clock(); }
void set_session_clock_for_test(int64_t (*clock)()) { g_clock = clock ? clock : monotonic_ms; }

void session_authenticated(const Connection& c, Session& s, uint32_t lifetime_s) {
  uint32_t secs = c.config.global.session_expiry;
  if (lifetime_s && (!secs || lifetime_s < secs)) secs = lifetime_s;
  s.expires_at_ms = secs ? session_clock_ms() + int64_t(secs) * 1000 : 0;
}

Session::State refresh_session_state(Session& s) {
  if (s.state == Session::State::kValid && s.expires_at_ms && session_clock_ms() >= s.expires_at_ms) {
    s.state = Session::State::kExpired;
    LOG_I("session %llx (%s) expired; it must re-authenticate", (unsigned long long)s.id,
          s.identity.user.c_str());
  }
  return s.state;
}

bool expired_session_may(uint16_t command, Bytes body) {
  if (command == smb2::kLogoff || command == smb2::kClose) return true;
  if (command != smb2::kLock) return false;
  // SMB2 LOCK: LockCount at 2, the 24-byte elements from 24, Flags at +16.
  constexpr uint32_t kUnlock = 0x4;
  ByteReader r(body);
  r.skip(2);
  uint16_t count = r.u16();
  r.skip(20);
  if (!r.ok() || count == 0) return false;
  for (uint16_t i = 0; i < count; i++) {
    r.skip(16);
    uint32_t flags = r.u32();
    r.skip(4);
    if (!r.ok() || !(flags & kUnlock)) return false;
  }
  return true;
}

}  // namespace cifsd::session
