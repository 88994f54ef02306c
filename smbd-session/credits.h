#pragma once
// The SMB2 credit / sequence-number window (MS-SMB2 3.3.1.1, 3.3.5.2.3):
// the client may use each MessageId the server granted exactly once. The
// window is [base, base + size); used entries are tracked in a bitmap and the
// base slides past the used prefix, so memory stays bounded by the number of
// credits granted (itself capped by "smb2 max credits").
#include <cstdint>
#include <deque>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd::session {

class CreditWindow {
 public:
  CreditWindow() { used_.push_back(false); }  // MessageId 0 for the first NEGOTIATE

  // Consumes [mid, mid + charge); false if any id is outside the window or
  // already used. charge 0 counts as 1 (2.0.2 clients send 0).
  bool consume(uint64_t mid, uint16_t charge);
  // Extends the window by n ids.
  void grant(uint32_t n);
  // Ids granted and not yet used.
  uint64_t available() const { return available_; }
  // How many credits to grant for a response: what the client asked for (at
  // least 1), limited so that the outstanding total stays within max.
  uint32_t to_grant(uint16_t requested, uint16_t charge, uint32_t max) const;
  uint64_t base() const { return base_; }
  // Multichannel hand-off (smbd-session/channel_state.h): gives back ids
  // consumed by a request another process will process, and moves the window
  // between processes. restore() rejects a window larger than max_span ids.
  void release(uint64_t mid, uint16_t charge);
  void save(std::vector<uint8_t>* out) const;
  bool restore(Bytes in, size_t max_span);

 private:
  uint64_t base_ = 0;
  std::deque<bool> used_;   // used_[i] is MessageId base_ + i
  uint64_t available_ = 1;
};

}  // namespace cifsd::session
