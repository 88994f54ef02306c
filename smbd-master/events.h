#pragma once
// RAII owners for libevent objects.
#include <event2/event.h>
#include <event2/listener.h>

#include <memory>

namespace cifsd::master {

struct EventBaseFree { void operator()(event_base* b) const { event_base_free(b); } };
struct EventFree { void operator()(event* e) const { event_free(e); } };
struct ListenerFree { void operator()(evconnlistener* l) const { evconnlistener_free(l); } };

using EventBasePtr = std::unique_ptr<event_base, EventBaseFree>;
using EventPtr = std::unique_ptr<event, EventFree>;
using ListenerPtr = std::unique_ptr<evconnlistener, ListenerFree>;

}  // namespace cifsd::master
