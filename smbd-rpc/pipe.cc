#include "smbd-rpc/pipe.h"

#include <algorithm>

#include "common/log/log.h"

namespace cifsd::rpc {

NtStatus Pipe::write(Bytes data) {
  if (broken_) return status::kPipeDisconnected;
  in_.insert(in_.end(), data.begin(), data.end());
  // Process every complete PDU. in_ never holds more than one partial PDU
  // (at most max_recv_ bytes) plus the bytes of this write.
  size_t off = 0;
  while (!broken_ && in_.size() - off >= kCommonHeaderSize) {
    Bytes rest(in_.data() + off, in_.size() - off);
    auto h = parse_header(rest);
    if (!h) break;
    if (h->vers != 5 || h->vers_minor > 1) {
      LOG_I("rpc %s: PDU version %u.%u refused", name_.c_str(), h->vers, h->vers_minor);
      fatal(*h, nca::kProtoError);
      break;
    }
    if (h->frag_length < kCommonHeaderSize || h->frag_length > max_recv_) {
      LOG_I("rpc %s: fragment length %u refused", name_.c_str(), h->frag_length);
      fatal(*h, nca::kProtoError);
      break;
    }
    if (rest.size() < h->frag_length) break;
    process(*h, rest.first(h->frag_length));
    off += h->frag_length;
  }
  if (broken_) {
    in_.clear();
    in_.shrink_to_fit();
  } else {
    in_.erase(in_.begin(), in_.begin() + ptrdiff_t(off));
  }
  return status::kSuccess;
}

NtStatus Pipe::read(size_t max, std::vector<uint8_t>* out) {
  out->clear();
  if (out_.empty()) return broken_ ? status::kPipeDisconnected : status::kPipeEmpty;
  const std::vector<uint8_t>& msg = out_.front();
  size_t left = msg.size() - out_offset_;
  size_t n = std::min(max, left);
  out->assign(msg.begin() + ptrdiff_t(out_offset_), msg.begin() + ptrdiff_t(out_offset_ + n));
  out_offset_ += n;
  out_bytes_ -= n;
  if (n < left) return status::kBufferOverflow;
  out_.pop_front();
  out_offset_ = 0;
  return status::kSuccess;
}

void Pipe::queue(std::vector<uint8_t> msg) {
  out_bytes_ += msg.size();
  out_.push_back(std::move(msg));
}

void Pipe::fatal(const Header& h, uint32_t status) {
  if (h.ptype == kBind)
    queue(build_bind_nak(h.call_id, h.vers != 5 ? kNakProtocolVersionNotSupported
                                                : kNakNotSpecified));
  else
    queue(build_fault(h.call_id, 0, status, true));
  broken_ = true;
  reassembling_ = false;
  re_stub_.clear();
}

void Pipe::process(const Header& h, Bytes pdu) {
  if (!h.little_endian()) {
    // NDR allows big-endian senders, but we only speak little-endian; the
    // framing could still be read, yet nothing inside it can, so the
    // association ends here.
    LOG_I("rpc %s: big-endian data representation refused", name_.c_str());
    fatal(h, nca::kProtoError);
    return;
  }
  switch (h.ptype) {
    case kBind:
      if (bound_) {
        // A second bind on one association is a protocol error (C706 12.6.4.3).
        fatal(h, nca::kProtoError);
        return;
      }
      on_bind(h, pdu, false);
      return;
    case kAlterContext:
      if (!bound_) { fatal(h, nca::kProtoError); return; }
      on_bind(h, pdu, true);
      return;
    case kRequest:
      on_request(h, pdu);
      return;
    case kCoCancel:
      // Calls run to completion before we read the next PDU: nothing to
      // cancel, and co_cancel has no answer.
      return;
    case kOrphaned:
      // The client abandons the call whose fragments it was sending.
      if (reassembling_ && re_call_id_ == h.call_id) {
        reassembling_ = false;
        re_stub_.clear();
      }
      return;
    default:
      // auth3 without an authenticated bind, and PDUs only a server sends.
      LOG_I("rpc %s: unexpected PDU type %u", name_.c_str(), h.ptype);
      fatal(h, nca::kProtoError);
      return;
  }
}

void Pipe::on_bind(const Header& h, Bytes pdu, bool alter) {
  if (h.auth_length != 0) {
    // No authentication service is offered on these pipes (the SMB session
    // already authenticated the user); refuse rather than ignore a verifier.
    LOG_I("rpc %s: authenticated bind refused", name_.c_str());
    if (alter) {
      fatal(h, nca::kAccessDenied);
    } else {
      queue(build_bind_nak(h.call_id, kNakAuthTypeNotRecognized));
      broken_ = true;
    }
    return;
  }
  auto body = parse_bind(pdu);
  if (!body) {
    fatal(h, nca::kProtoError);
    return;
  }
  if (!alter) {
    if (body->max_xmit_frag < kMinFrag || body->max_recv_frag < kMinFrag) {
      queue(build_bind_nak(h.call_id, kNakLocalLimitExceeded));
      broken_ = true;
      return;
    }
    max_xmit_ = std::min(body->max_recv_frag, kMaxFrag);
    max_recv_ = std::min(body->max_xmit_frag, kMaxFrag);
    assoc_group_ = body->assoc_group_id ? body->assoc_group_id : env_.new_assoc_group();
    bound_ = true;
  }

  std::vector<ContextResultEntry> results;
  for (const auto& c : body->contexts) {
    ContextResultEntry e;
    bool feature = false;
    uint8_t features = 0;
    for (const auto& t : c.transfers)
      if (is_bind_time_feature_syntax(t)) {
        feature = true;
        features = t.uuid[8];
      }
    if (feature) {
      // MS-RPCE 3.3.1.5.3: answer negotiate_ack with the features we
      // accept in the reason field. We support "keep connection on orphan"
      // (0x02: an orphaned PDU never closes the pipe) and not security
      // context multiplexing (no authentication at all).
      e.result = kNegotiateAck;
      e.reason = uint16_t(features & 0x02);
      results.push_back(e);
      continue;
    }
    const Interface* iface = find_interface(c.abstract);
    if (!iface || !pipe_serves(name_, *iface)) {
      e.result = kProviderRejection;
      e.reason = kAbstractSyntaxNotSupported;
    } else if (std::find(c.transfers.begin(), c.transfers.end(), kNdr20) == c.transfers.end()) {
      e.result = kProviderRejection;
      e.reason = kTransferSyntaxesNotSupported;
    } else if (!contexts_.count(c.context_id) && contexts_.size() >= kMaxContexts) {
      e.result = kProviderRejection;
      e.reason = kLocalLimitExceeded;
    } else {
      contexts_[c.context_id] = iface;
      e.result = kAcceptance;
      e.transfer = kNdr20;
      LOG_D("rpc %s: context %u bound to %s", name_.c_str(), c.context_id, iface->name);
    }
    results.push_back(e);
  }
  std::string sec_addr = alter ? std::string() : "\\PIPE\\" + name_;
  queue(build_bind_ack(alter ? kAlterContextResp : kBindAck, h.call_id, max_xmit_, max_recv_,
                       assoc_group_, sec_addr, results));
}

void Pipe::on_request(const Header& h, Bytes pdu) {
  if (!bound_) {
    fatal(h, nca::kProtoError);
    return;
  }
  if (h.auth_length != 0) {
    fatal(h, nca::kAccessDenied);
    return;
  }
  ByteReader r(pdu);
  r.skip(kCommonHeaderSize);
  (void)r.u32();  // alloc_hint: only a hint, never trusted for allocation
  uint16_t ctx_id = r.u16();
  uint16_t opnum = r.u16();
  if (h.flags & kPfcObjectUuid) r.skip(16);
  Bytes stub = r.rest();
  if (!r.ok()) {
    fatal(h, nca::kProtoError);
    return;
  }

  bool first = h.flags & kPfcFirstFrag;
  bool last = h.flags & kPfcLastFrag;
  if (first && last && !reassembling_) {
    dispatch(h.call_id, ctx_id, opnum, stub);
    return;
  }
  if (first) {
    if (reassembling_) {  // a new call while another is incomplete
      fatal(h, nca::kProtoError);
      return;
    }
    reassembling_ = true;
    re_call_id_ = h.call_id;
    re_ctx_ = ctx_id;
    re_opnum_ = opnum;
    re_stub_.clear();
  } else if (!reassembling_ || h.call_id != re_call_id_ || ctx_id != re_ctx_ ||
             opnum != re_opnum_) {
    fatal(h, nca::kProtoError);
    return;
  }
  if (stub.size() > kMaxRequestStub - re_stub_.size()) {
    LOG_I("rpc %s: request of more than %zu bytes refused", name_.c_str(), kMaxRequestStub);
    fatal(h, nca::kOutOfMemory);
    return;
  }
  re_stub_.insert(re_stub_.end(), stub.begin(), stub.end());
  if (!last) return;
  reassembling_ = false;
  std::vector<uint8_t> whole = std::move(re_stub_);
  re_stub_.clear();
  dispatch(re_call_id_, re_ctx_, re_opnum_, {whole.data(), whole.size()});
}

void Pipe::dispatch(uint32_t call_id, uint16_t ctx_id, uint16_t opnum, Bytes stub) {
  auto it = contexts_.find(ctx_id);
  if (it == contexts_.end()) {
    queue(build_fault(call_id, ctx_id, nca::kUnknownInterface, true));
    return;
  }
  CallContext ctx{*env_.config, user_};
  CallResult res = it->second->call(ctx, opnum, stub);
  if (res.fault) {
    LOG_D("rpc %s: opnum %u -> fault 0x%08x", name_.c_str(), opnum, res.fault);
    queue(build_fault(call_id, ctx_id, res.fault, res.fault == nca::kOpRangeError));
    return;
  }
  if (out_bytes_ + res.stub.size() > kMaxQueuedOutput) {
    // The client writes requests without reading the answers.
    LOG_I("rpc %s: unread responses exceed %zu bytes", name_.c_str(), kMaxQueuedOutput);
    queue(build_fault(call_id, ctx_id, nca::kOutOfMemory, false));
    broken_ = true;
    return;
  }
  // Fragment the stub by the client's receive size; chunks are multiples of
  // 8 so that every fragment but the last keeps NDR's largest alignment.
  size_t chunk = (size_t(max_xmit_) - kResponseHeaderSize) & ~size_t(7);
  size_t total = res.stub.size();
  size_t off = 0;
  do {
    size_t n = std::min(chunk, total - off);
    uint8_t flags = (off == 0 ? kPfcFirstFrag : 0) | (off + n == total ? kPfcLastFrag : 0);
    queue(build_response(call_id, ctx_id, flags, uint32_t(total - off),
                         Bytes(res.stub.data() + off, n)));
    off += n;
  } while (off < total);
}

}  // namespace cifsd::rpc
