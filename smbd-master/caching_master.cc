// The master's clock for oplock/lease break acknowledgments: one libevent
// timer armed at the earliest deadline of the caching table.
#include <time.h>

#include "smbd-master/master.h"

namespace cifsd::master {

int64_t Master::monotonic_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void Master::arm_caching_timer() {
  int64_t due = caching_.next_deadline();
  if (!due) {
    if (caching_timer_) evtimer_del(caching_timer_.get());
    return;
  }
  if (!caching_timer_) caching_timer_.reset(evtimer_new(base_.get(), cb_caching_timer, this));
  if (!caching_timer_) return;
  int64_t left = std::max<int64_t>(due - monotonic_ms(), 0);
  timeval tv{time_t(left / 1000), suseconds_t((left % 1000) * 1000)};
  evtimer_add(caching_timer_.get(), &tv);
}

void Master::cb_caching_timer(evutil_socket_t, short, void* arg) {
  auto* m = static_cast<Master*>(arg);
  std::vector<Notify> notes;
  m->caching_.expire(monotonic_ms(), &notes);
  if (!notes.empty()) LOG_D("oplock/lease break timeout: %zu waiting opens retry", notes.size());
  m->deliver(notes);
  m->arm_caching_timer();
}

}  // namespace cifsd::master
