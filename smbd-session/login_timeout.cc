#include "smbd-session/login_timeout.h"

#include "common/log/log.h"

namespace cifsd::session {

bool any_session_valid(const Connection& c) {
  for (const auto& [id, s] : c.sessions)
    if (s->state != Session::State::kInProgress) return true;  // valid or expired: authenticated once
  return false;
}

LoginTimeout::LoginTimeout(EventLoop& loop, const Connection& c, std::function<void()> drop)
    : c_(c), drop_(std::move(drop)), timer_(loop, [this] { fire(); }) {}

void LoginTimeout::start() {
  uint32_t s = c_.config.global.login_timeout;
  if (s && timer_.ok()) timer_.arm_ms(uint64_t(s) * 1000);
}

void LoginTimeout::fire() {
  // Once a session was set up the connection is an authenticated user's;
  // the timer is not re-armed.
  if (any_session_valid(c_)) return;
  LOG_I("no session set up within %u s (login timeout); disconnecting", c_.config.global.login_timeout);
  drop_();
}

}  // namespace cifsd::session
