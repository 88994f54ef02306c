#include "smbd-session/pdu.h"

#include <algorithm>
#include <string_view>

#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {
// Framer buffer policy: up to kKeepCapacity stays allocated between frames;
// a larger one is released when a frame of at most kSmallFrame arrives.
constexpr size_t kKeepCapacity = 1u << 20;
constexpr size_t kSmallFrame = 64u << 10;
}  // namespace

bool parse_frame_header(Bytes four, FrameHeader* out) {
  if (four.size() != 4) return false;
  out->type = four[0];
  // Byte 1 holds the RFC 1002 flags (only the length extension bit E is
  // defined); SMB2 direct TCP uses all 24 bits for the length.
  out->length = uint32_t(four[1]) << 16 | uint32_t(four[2]) << 8 | four[3];
  return true;
}

MutBytes Framer::want() {
  switch (state_) {
    case State::kHeader: return {head_ + have_, 4 - have_};
    case State::kBody: return {buf_.get() + have_, len_ - have_};
    default: return {};
  }
}

void Framer::advance(size_t n) {
  if (state_ == State::kHeader) {
    have_ += n;
    if (have_ < 4) return;
    if (!parse_frame_header({head_, 4}, &hdr_)) { state_ = State::kError; return; }
    have_ = 0;
    if (hdr_.type == kNbSessionMessage) {
      if (hdr_.length > limit_ || hdr_.length == 0) { state_ = State::kError; return; }
    } else if (hdr_.type == kNbSessionRequest) {
      // Called/calling names: two encoded NetBIOS names, 68 bytes normally.
      if (hdr_.length > 256) { state_ = State::kError; return; }
    } else if (hdr_.type == kNbKeepAlive) {
      if (hdr_.length != 0) { state_ = State::kError; return; }
    } else {
      state_ = State::kError;
      return;
    }
    len_ = hdr_.length;
    // A buffer far larger than needed (after a burst of big WRITEs) is
    // given back once small frames follow; otherwise it is reused as is.
    if (len_ > cap_ || (cap_ > kKeepCapacity && len_ <= kSmallFrame)) {
      buf_.reset();
      cap_ = std::max<size_t>(len_, 64);
      buf_ = std::make_unique_for_overwrite<uint8_t[]>(cap_);
    }
    state_ = hdr_.length ? State::kBody : State::kFrame;
    return;
  }
  if (state_ == State::kBody) {
    have_ += n;
    if (have_ == len_) state_ = State::kFrame;
  }
}

void Framer::next() {
  len_ = 0;
  have_ = 0;
  state_ = State::kHeader;
}

std::vector<uint8_t> Framer::take() {
  MutBytes p = payload();
  std::vector<uint8_t> out(p.begin(), p.end());
  next();
  return out;
}

bool parse_smb2_header(Bytes msg, Smb2Header* h) {
  ByteReader r(msg);
  uint32_t proto = r.u32();
  uint16_t size = r.u16();
  h->credit_charge = r.u16();
  h->status = r.u32();
  h->command = r.u16();
  h->credits = r.u16();
  h->flags = r.u32();
  h->next_command = r.u32();
  h->message_id = r.u64();
  if (h->flags & smb2::kFlagAsync) {
    h->async_id = r.u64();
    h->tree_id = 0;
  } else {
    r.skip(4);  // Reserved (process id)
    h->tree_id = r.u32();
    h->async_id = 0;
  }
  h->session_id = r.u64();
  r.copy(h->signature, 16);
  return r.ok() && proto == smb2::kProtocolId && size == 64;
}

void write_smb2_header(ByteWriter& w, const Smb2Header& h) {
  w.u32(smb2::kProtocolId);
  w.u16(64);
  w.u16(h.credit_charge);
  w.u32(h.status);
  w.u16(h.command);
  w.u16(h.credits);
  w.u32(h.flags);
  w.u32(h.next_command);
  w.u64(h.message_id);
  if (h.flags & smb2::kFlagAsync) {
    w.u64(h.async_id);
  } else {
    w.u32(0xFEFF);  // Reserved: Windows echoes the client's process id; any value is valid
    w.u32(h.tree_id);
  }
  w.u64(h.session_id);
  w.raw(h.signature, 16);
}

bool split_compound(Bytes pdu, std::vector<Bytes>* out, size_t max_commands) {
  out->clear();
  size_t off = 0;
  while (true) {
    if (out->size() >= max_commands) return false;
    Bytes rest = pdu.subspan(off);
    Smb2Header h;
    if (!parse_smb2_header(rest, &h)) return false;
    if (h.next_command == 0) {
      out->push_back(rest);
      return true;
    }
    if (h.next_command % 8 != 0 || h.next_command < smb2::kHeaderSize ||
        h.next_command >= rest.size())
      return false;
    out->push_back(rest.subspan(0, h.next_command));
    off += h.next_command;
  }
}

Smb1Negotiate parse_smb1_negotiate(Bytes pdu, bool beyond_202) {
  ByteReader r(pdu);
  uint32_t proto = r.u32();
  uint8_t command = r.u8();
  if (!r.ok() || proto != smb2::kSmb1ProtocolId || command != 0x72) return Smb1Negotiate::kMalformed;
  r.seek(32);
  uint8_t word_count = r.u8();
  r.skip(size_t(word_count) * 2);
  uint16_t byte_count = r.u16();
  Bytes dialects = r.bytes(byte_count);
  if (!r.ok()) return Smb1Negotiate::kMalformed;
  bool wildcard = false, s202 = false;
  ByteReader d(dialects);
  while (d.remaining() > 0) {
    if (d.u8() != 0x02) return Smb1Negotiate::kMalformed;  // BufferFormat: dialect string
    size_t start = d.pos();
    while (d.remaining() > 0 && d.u8() != 0) {}
    if (!d.ok()) return Smb1Negotiate::kMalformed;
    Bytes raw = dialects.subspan(start, d.pos() - start);
    // The string must have ended with its NUL (the loop consumed it).
    if (raw.empty() || raw.back() != 0) return Smb1Negotiate::kMalformed;
    std::string_view name = as_chars(raw.first(raw.size() - 1));
    if (name == "SMB 2.???") wildcard = true;
    if (name == "SMB 2.002") s202 = true;
  }
  if (wildcard && beyond_202) return Smb1Negotiate::kWildcard;
  if (s202 || wildcard) return s202 ? Smb1Negotiate::kSmb202 : Smb1Negotiate::kNoSmb2;
  return Smb1Negotiate::kNoSmb2;
}

}  // namespace cifsd::session
