#pragma once
// "login timeout": a connection on which no session became valid within
// that many seconds is dropped. Without it, connections that never send a
// byte, or negotiate and never authenticate, would each hold a process
// (and a slot of "max connections") for as long as the client likes.
#include <cstdint>
#include <functional>

#include "smbd-session/connection.h"
#include "smbd-session/event_loop.h"

namespace cifsd::session {

class LoginTimeout {
 public:
  // `drop` ends the connection; called at most once.
  LoginTimeout(EventLoop& loop, const Connection& c, std::function<void()> drop);
  // Arms the timer with the configured value (0: never).
  void start();

 private:
  void fire();
  const Connection& c_;
  std::function<void()> drop_;
  Timer timer_;
};

// True if some session of the connection completed authentication.
bool any_session_valid(const Connection& c);

}  // namespace cifsd::session
