#pragma once
// The client socket: reads NetBIOS frames (sized by their validated length),
// hands them to the engine, queues responses and writes them with writev.
// Back-pressure: reading pauses while too much output waits to be sent.
#include <deque>
#include <functional>
#include <vector>

#include "smbd-session/connection.h"
#include "smbd-session/engine.h"
#include "smbd-session/event_loop.h"
#include "smbd-session/pdu.h"

namespace cifsd::session {

class ClientTransport {
 public:
  ClientTransport(EventLoop& loop, Connection& c, int fd);
  bool ok() const { return read_ev_.ok() && write_ev_.ok(); }
  void start() { read_ev_.enable(); }
  bool finished() const { return finished_; }
  // Queues a complete frame produced outside a request (async completions,
  // break notifications). Dropped once the connection is finished.
  void send(std::vector<uint8_t> frame);
  // Multichannel (multichannel.h): an extra channel runs its frames through
  // `fn` (which makes it the active channel), and a channel that ends calls
  // `on_finish` instead of stopping the loop. Null: process_frame_in_place / stop.
  using FrameFn = std::function<EngineResult(uint8_t type, MutBytes payload, std::vector<uint8_t>* out)>;
  void set_frame_fn(FrameFn fn) { frame_fn_ = std::move(fn); }
  void set_on_finish(std::function<void()> fn) { on_finish_ = std::move(fn); }

 private:
  void on_readable();
  void on_writable();
  void finish();
  void queue(std::vector<uint8_t> bytes);

  EventLoop& loop_;
  Connection& c_;
  int fd_;
  Framer framer_;
  std::deque<std::vector<uint8_t>> out_;
  size_t out_front_off_ = 0;
  size_t queued_ = 0;
  bool finished_ = false;
  FdEvent read_ev_;
  FdEvent write_ev_;
  FrameFn frame_fn_;
  std::function<void()> on_finish_;
};

}  // namespace cifsd::session
