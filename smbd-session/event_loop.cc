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

Timer::Timer(EventLoop& loop, std::function<void()> cb)
    : cb_(std::move(cb)), ev_(evtimer_new(loop.base(), trampoline, this)) {}

void Timer::trampoline(evutil_socket_t, short, void* arg) { static_cast<Timer*>(arg)->cb_(); }

void Timer::arm_ms(uint64_t ms) {
  if (!ev_) return;
  timeval tv{time_t(ms / 1000), suseconds_t((ms % 1000) * 1000)};
  evtimer_add(ev_.get(), &tv);
}

void Timer::cancel() {
  if (ev_) evtimer_del(ev_.get());
}

bool Timer::armed() const { return ev_ && evtimer_pending(ev_.get(), nullptr); }

Deferred::Deferred(EventLoop& loop, std::function<void()> cb)
    : cb_(std::move(cb)), ev_(event_new(loop.base(), -1, 0, trampoline, this)) {}

void Deferred::trampoline(evutil_socket_t, short, void* arg) { static_cast<Deferred*>(arg)->cb_(); }

void Deferred::schedule() {
  // Activating an already active event only merges flags: no double call.
  if (ev_) event_active(ev_.get(), 0, 0);
}

namespace {
void run_soon_trampoline(evutil_socket_t, short, void* arg) {
  std::unique_ptr<std::function<void()>> fn(static_cast<std::function<void()>*>(arg));
  (*fn)();
}
}  // namespace

void run_soon(EventLoop* loop, std::function<void()> fn) {
  if (!loop) {
    fn();
    return;
  }
  auto holder = std::make_unique<std::function<void()>>(std::move(fn));
  timeval now{0, 0};
  // Ownership passes to libevent's callback, which frees it.
  if (event_base_once(loop->base(), -1, EV_TIMEOUT, run_soon_trampoline, holder.get(), &now) == 0)
    holder.release();
}

}  // namespace cifsd::session
