#pragma once
// The client socket: reads NetBIOS frames (sized by their validated length),
// hands them to the engine, queues responses and writes them with writev.
// Back-pressure: reading pauses while too much output waits to be sent.
#include <deque>
#include <vector>

#include "smbd-session/connection.h"
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
};

}  // namespace cifsd::session
