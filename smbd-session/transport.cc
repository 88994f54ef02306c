#include "smbd-session/transport.h"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "common/log/log.h"
#include "smbd-session/engine.h"

namespace cifsd::session {
namespace {
// Pause reading above the high mark, resume below the low one. A single
// 8 MiB READ response fits; a client that does not read its answers stalls.
constexpr size_t kHighWater = 24u << 20;
constexpr size_t kLowWater = 4u << 20;
constexpr int kMaxIov = 64;
constexpr int kFramesPerWakeup = 32;
}  // namespace

ClientTransport::ClientTransport(EventLoop& loop, Connection& c, int fd)
    : loop_(loop), c_(c), fd_(fd),
      read_ev_(loop, fd, EV_READ, [this] { on_readable(); }),
      write_ev_(loop, fd, EV_WRITE, [this] { on_writable(); }) {
  framer_.set_limit(frame_limit(c_));
}

void ClientTransport::finish() {
  if (finished_) return;
  finished_ = true;
  read_ev_.disable();
  write_ev_.disable();
  if (on_finish_) on_finish_();
  else loop_.stop();
}

void ClientTransport::queue(std::vector<uint8_t> bytes) {
  if (bytes.empty()) return;
  queued_ += bytes.size();
  out_.push_back(std::move(bytes));
  on_writable();  // try at once; most responses go out without waiting
}

void ClientTransport::send(std::vector<uint8_t> frame) {
  if (finished_) return;
  queue(std::move(frame));
  if (c_.disconnect) {
    on_writable();
    finish();
  }
}

void ClientTransport::on_readable() {
  for (int frames = 0; frames < kFramesPerWakeup && !finished_;) {
    MutBytes want = framer_.want();
    ssize_t n = read(fd_, want.data(), want.size());
    if (n == 0) {
      LOG_D("client closed the connection");
      finish();
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      LOG_D("read from client: errno %d", errno);
      finish();
      return;
    }
    framer_.advance(size_t(n));
    if (framer_.state() == Framer::State::kError) {
      LOG_I("malformed or oversized frame; disconnecting");
      finish();
      return;
    }
    if (framer_.state() != Framer::State::kFrame) continue;
    frames++;
    uint8_t type = framer_.type();
    std::vector<uint8_t> resp;
    // The frame is processed in the framer's buffer (decrypted in place, a
    // WRITE written from it); it is reused for the next frame afterwards.
    EngineResult r = frame_fn_ ? frame_fn_(type, framer_.payload(), &resp)
                               : process_frame_in_place(c_, type, framer_.payload(), &resp);
    framer_.next();
    queue(std::move(resp));
    if (r == EngineResult::kDisconnect || c_.disconnect) {
      // Whatever was queued (e.g. an error) is best effort; then stop.
      on_writable();
      finish();
      return;
    }
    framer_.set_limit(frame_limit(c_));
    if (queued_ > kHighWater) {
      read_ev_.disable();
      return;
    }
  }
}

void ClientTransport::on_writable() {
  while (!out_.empty()) {
    struct iovec iov[kMaxIov];
    int n = 0;
    for (auto it = out_.begin(); it != out_.end() && n < kMaxIov; ++it, ++n) {
      size_t off = n == 0 ? out_front_off_ : 0;
      iov[n].iov_base = it->data() + off;
      iov[n].iov_len = it->size() - off;
    }
    ssize_t w = writev(fd_, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        write_ev_.enable();
        return;
      }
      LOG_D("write to client: errno %d", errno);
      out_.clear();
      queued_ = 0;
      finish();
      return;
    }
    size_t left = size_t(w);
    queued_ -= left;
    while (left > 0) {
      size_t rest = out_.front().size() - out_front_off_;
      if (left >= rest) {
        left -= rest;
        out_.pop_front();
        out_front_off_ = 0;
      } else {
        out_front_off_ += left;
        left = 0;
      }
    }
  }
  write_ev_.disable();
  if (!finished_ && !read_ev_.enabled() && queued_ < kLowWater) read_ev_.enable();
}

}  // namespace cifsd::session
