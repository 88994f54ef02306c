#include "smbd-session/credits.h"

#include "common/wire/writer.h"

namespace cifsd::session {

bool CreditWindow::consume(uint64_t mid, uint16_t charge) {
  uint64_t n = charge ? charge : 1;
  if (mid < base_) return false;
  uint64_t off = mid - base_;
  if (off > used_.size() || n > used_.size() - off) return false;
  for (uint64_t i = 0; i < n; i++)
    if (used_[off + i]) return false;
  for (uint64_t i = 0; i < n; i++) used_[off + i] = true;
  available_ -= n;
  while (!used_.empty() && used_.front()) {
    used_.pop_front();
    base_++;
  }
  return true;
}

void CreditWindow::grant(uint32_t n) {
  used_.insert(used_.end(), n, false);
  available_ += n;
}

uint32_t CreditWindow::to_grant(uint16_t requested, uint16_t charge, uint32_t max) const {
  uint64_t want = requested ? requested : 1;
  // A client that spent several credits on one large request gets at least
  // as many back, or its window would shrink with every big READ/WRITE.
  if (charge > want) want = charge;
  if (available_ >= max) return 0;
  if (available_ + want > max) want = max - available_;
  // A client that leaves an old id unused keeps the window's base from
  // sliding; bound the bitmap so that cannot grow it without limit.
  uint64_t span_max = uint64_t(max) * 2;
  if (used_.size() >= span_max) want = 0;
  else if (used_.size() + want > span_max) want = span_max - used_.size();
  // Never leave the client without a credit, or it could not send again.
  if (want == 0 && available_ == 0) want = 1;
  return uint32_t(want);
}

void CreditWindow::release(uint64_t mid, uint16_t charge) {
  uint64_t n = charge ? charge : 1;
  // Ids below the base were all used; reopen the part of the prefix that
  // holds the released ones.
  while (mid < base_ && used_.size() < (1u << 20)) {
    used_.push_front(true);
    base_--;
  }
  if (mid < base_) return;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t off = mid - base_ + i;
    if (off < used_.size() && used_[off]) {
      used_[off] = false;
      available_++;
    }
  }
}

void CreditWindow::save(std::vector<uint8_t>* out) const {
  ByteWriter w(*out);
  w.u64(base_);
  w.u64(available_);
  w.u32(uint32_t(used_.size()));
  for (bool u : used_) w.u8(u ? 1 : 0);
}

bool CreditWindow::restore(Bytes in, size_t max_span) {
  ByteReader r(in);
  uint64_t base = r.u64();
  uint64_t avail = r.u64();
  uint32_t n = r.u32();
  if (!r.ok() || n > max_span || n > r.remaining()) return false;
  std::deque<bool> used;
  uint64_t free_ids = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t b = r.u8();
    if (b > 1) return false;
    used.push_back(b == 1);
    free_ids += b == 0;
  }
  // The count must match the bitmap, or the window would lie about itself.
  if (!r.ok() || !r.at_end() || free_ids != avail || base > UINT64_MAX - n) return false;
  base_ = base;
  available_ = avail;
  used_ = std::move(used);
  return true;
}

}  // namespace cifsd::session
