#include "smbd-session/credits.h"

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

}  // namespace cifsd::session
