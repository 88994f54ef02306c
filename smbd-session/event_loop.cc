#include "smbd-session/event_loop.h"

namespace cifsd::session {

EventLoop::EventLoop() : base_(event_base_new()) {}
void EventLoop::run() { event_base_dispatch(base_.get()); }
void EventLoop::stop() { event_base_loopbreak(base_.get()); }

FdEvent::FdEvent(EventLoop& loop, int fd, short what, std::function<void()> cb)
    : cb_(std::move(cb)), ev_(event_new(loop.base(), fd, short(what | EV_PERSIST), trampoline, this)) {}

void FdEvent::trampoline(evutil_socket_t, short, void* arg) { static_cast<FdEvent*>(arg)->cb_(); }

void FdEvent::enable() {
  if (!enabled_ && ev_ && event_add(ev_.get(), nullptr) == 0) enabled_ = true;
}
void FdEvent::disable() {
  if (enabled_ && ev_) event_del(ev_.get());
  enabled_ = false;
}

}  // namespace cifsd::session
