#include "smbd-rpc/session_channel.h"

#include <algorithm>

#include "common/log/log.h"
#include "common/util/utf16.h"

namespace cifsd::rpc {

namespace ipcr = cifsd::ipc::rpc;

namespace {

template <typename M>
void encode_to(const M& m, std::vector<uint8_t>* out) {
  ByteWriter w(*out);
  m.encode(w);
}

void status_answer(uint32_t status, std::vector<uint8_t>* out) {
  encode_to(ipcr::StatusAnswer{status}, out);
}

void data_answer(uint32_t status, std::vector<uint8_t> data, std::vector<uint8_t>* out) {
  ipcr::DataAnswer a;
  a.status = status;
  a.data = std::move(data);
  encode_to(a, out);
}

}  // namespace

bool SessionChannel::handle(uint16_t type, Bytes payload, uint16_t* answer_type,
                            std::vector<uint8_t>* answer) {
  answer->clear();
  *answer_type = uint16_t(type | 1);
  // Per-state allowlist: Hello exactly once and first, then pipe traffic.
  if (!hello_done_) {
    if (type != ipcr::kHello) return false;
    return on_hello(payload, answer);
  }
  switch (type) {
    case ipcr::kOpen: return on_open(payload, answer);
    case ipcr::kWrite: return on_write(payload, answer);
    case ipcr::kRead: return on_read(payload, answer);
    case ipcr::kTransceive: return on_transceive(payload, answer);
    case ipcr::kClose: return on_close(payload, answer);
    default: return false;
  }
}

Pipe* SessionChannel::find(uint32_t handle) {
  auto it = pipes_.find(handle);
  return it == pipes_.end() ? nullptr : it->second.get();
}

bool SessionChannel::over_budget(size_t incoming) const {
  size_t total = incoming;
  for (const auto& [h, p] : pipes_) total += p->buffered_bytes();
  return total > kMaxChannelBuffered;
}

bool SessionChannel::on_hello(Bytes payload, std::vector<uint8_t>* answer) {
  auto m = ipcr::Hello::decode(payload);
  if (!m || m->version != ipcr::kVersion) return false;
  hello_done_ = true;
  encode_to(ipcr::HelloAnswer{}, answer);
  return true;
}

bool SessionChannel::on_open(Bytes payload, std::vector<uint8_t>* answer) {
  auto m = ipcr::Open::decode(payload);
  if (!m) return false;
  std::string name = ascii_lower(m->pipe);
  if (!pipe_known(name)) {
    LOG_D("rpc: pipe \"%s\" not offered", name.c_str());
    status_answer(status::kObjectNameNotFound, answer);
    return true;
  }
  if (pipes_.count(m->handle)) {
    status_answer(status::kInvalidHandle, answer);
    return true;
  }
  if (pipes_.size() >= kMaxPipesPerChannel) {
    status_answer(status::kTooManyOpenedFiles, answer);
    return true;
  }
  pipes_[m->handle] = std::make_unique<Pipe>(name, m->user, env_);
  LOG_D("rpc: %s opened %s (handle %u)", m->user.c_str(), name.c_str(), m->handle);
  status_answer(status::kSuccess, answer);
  return true;
}

bool SessionChannel::on_write(Bytes payload, std::vector<uint8_t>* answer) {
  auto m = ipcr::Write::decode(payload);
  if (!m) return false;
  Pipe* p = find(m->handle);
  if (!p) {
    status_answer(status::kInvalidHandle, answer);
  } else if (over_budget(m->data.size())) {
    LOG_W("rpc: %s holds too much unprocessed pipe data", p->name().c_str());
    status_answer(status::kInsufficientResources, answer);
  } else {
    status_answer(p->write({m->data.data(), m->data.size()}), answer);
  }
  return true;
}

bool SessionChannel::on_read(Bytes payload, std::vector<uint8_t>* answer) {
  auto m = ipcr::Read::decode(payload);
  if (!m) return false;
  Pipe* p = find(m->handle);
  if (!p) {
    data_answer(status::kInvalidHandle, {}, answer);
    return true;
  }
  std::vector<uint8_t> data;
  NtStatus st = p->read(std::min<size_t>(m->max, ipcr::kMaxData), &data);
  data_answer(st, std::move(data), answer);
  return true;
}

bool SessionChannel::on_transceive(Bytes payload, std::vector<uint8_t>* answer) {
  auto m = ipcr::Transceive::decode(payload);
  if (!m) return false;
  Pipe* p = find(m->handle);
  if (!p) {
    data_answer(status::kInvalidHandle, {}, answer);
    return true;
  }
  // FSCTL_PIPE_TRANSCEIVE requires an empty pipe (MS-FSCC 2.3.49); Windows
  // answers STATUS_PIPE_BUSY while unread data waits.
  if (p->queued_bytes()) {
    data_answer(status::kPipeBusy, {}, answer);
    return true;
  }
  if (over_budget(m->data.size())) {
    data_answer(status::kInsufficientResources, {}, answer);
    return true;
  }
  NtStatus st = p->write({m->data.data(), m->data.size()});
  std::vector<uint8_t> data;
  if (st == status::kSuccess) {
    st = p->read(std::min<size_t>(m->max, ipcr::kMaxData), &data);
    // The write was accepted but completed no call (e.g. a non-final
    // fragment): nothing to return yet, which is not an error.
    if (st == status::kPipeEmpty) st = status::kSuccess;
  }
  data_answer(st, std::move(data), answer);
  return true;
}

bool SessionChannel::on_close(Bytes payload, std::vector<uint8_t>* answer) {
  auto m = ipcr::Close::decode(payload);
  if (!m) return false;
  status_answer(pipes_.erase(m->handle) ? status::kSuccess : status::kInvalidHandle, answer);
  return true;
}

}  // namespace cifsd::rpc
