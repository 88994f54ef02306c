#pragma once
// libevent behind RAII: one event base, persistent read/write events.
#include <event2/event.h>

#include <cstdint>
#include <functional>
#include <memory>

namespace cifsd::session {

class EventLoop {
 public:
  EventLoop();
  bool ok() const { return base_ != nullptr; }
  event_base* base() const { return base_.get(); }
  void run();
  void stop();

 private:
  struct BaseDeleter { void operator()(event_base* b) const { event_base_free(b); } };
  std::unique_ptr<event_base, BaseDeleter> base_;
};

// A persistent event on one fd calling a std::function.
class FdEvent {
 public:
  FdEvent(EventLoop& loop, int fd, short what, std::function<void()> cb);
  FdEvent(const FdEvent&) = delete;
  FdEvent& operator=(const FdEvent&) = delete;
  bool ok() const { return ev_ != nullptr; }
  void enable();
  void disable();
  bool enabled() const { return enabled_; }

 private:
  static void trampoline(evutil_socket_t, short, void* arg);
  struct EventDeleter { void operator()(event* e) const { event_free(e); } };
  std::function<void()> cb_;
  std::unique_ptr<event, EventDeleter> ev_;
  bool enabled_ = false;
};

// A one-shot timer calling a std::function; re-armable, cancelled on destruction.
class Timer {
 public:
  Timer(EventLoop& loop, std::function<void()> cb);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  bool ok() const { return ev_ != nullptr; }
  void arm_ms(uint64_t ms);
  void cancel();
  bool armed() const;

 private:
  static void trampoline(evutil_socket_t, short, void* arg);
  struct EventDeleter { void operator()(event* e) const { event_free(e); } };
  std::function<void()> cb_;
  std::unique_ptr<event, EventDeleter> ev_;
};

// Runs a callback on the next loop iteration (used to process work queued
// while the loop was busy elsewhere, e.g. master messages read during a call).
class Deferred {
 public:
  Deferred(EventLoop& loop, std::function<void()> cb);
  Deferred(const Deferred&) = delete;
  Deferred& operator=(const Deferred&) = delete;
  void schedule();

 private:
  static void trampoline(evutil_socket_t, short, void* arg);
  struct EventDeleter { void operator()(event* e) const { event_free(e); } };
  std::function<void()> cb_;
  std::unique_ptr<event, EventDeleter> ev_;
};

// Runs fn once from the loop, after the current callback returns (inline
// when there is no loop, as in unit tests).
void run_soon(EventLoop* loop, std::function<void()> fn);

}  // namespace cifsd::session
