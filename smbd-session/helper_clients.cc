#include "smbd-session/helper_clients.h"

#include "common/ipc/channel.h"
#include "common/ipc/rpc_proto.h"
#include "common/log/log.h"
#include "smbd-session/master_link.h"

namespace cifsd::session {
namespace {

constexpr int kCallTimeoutMs = 10000;
namespace m = ipc::master;

UniqueFd& channel_of(Connection& c, m::Role r) { return r == m::Role::kAuth ? c.auth_fd : c.rpc_fd; }
uint16_t version_of(m::Role r) { return r == m::Role::kAuth ? ipc::auth::kVersion : ipc::rpc::kVersion; }
const char* name_of(m::Role r) { return r == m::Role::kAuth ? "smbd-auth" : "smbd-rpc"; }

// One bounded request/answer on fd; the answer type must be type|1.
bool call_once(Connection& c, int fd, uint16_t version, uint16_t type, Bytes payload,
               ipc::Message* ans, ipc::RecvStatus* rs) {
  if (fd < 0) { *rs = ipc::RecvStatus::kClosed; return false; }
  *rs = ipc::call(fd, version, type, c.ipc_seq++, payload, ans, kCallTimeoutMs);
  if (*rs != ipc::RecvStatus::kOk) return false;
  if (ans->type != (type | 1)) { *rs = ipc::RecvStatus::kViolation; return false; }
  return true;
}

// Asks the master for a fresh channel to a restarted helper.
bool renew_channel(Connection& c, m::Role which) {
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  m::NewChannel{which}.encode(w);
  ipc::Message ans;
  if (!master_call(c, m::kNewChannel, {buf.data(), buf.size()}, &ans)) return false;
  auto st = m::StatusAnswer::decode(ans.body());
  if (!st || st->status != status::kSuccess || !ans.fd.valid()) return false;
  channel_of(c, which) = std::move(ans.fd);
  return helper_hello(c, which);
}

// A call to a helper; on a dead channel, one renewal and one retry.
bool helper_call(Connection& c, m::Role which, uint16_t type, Bytes payload, ipc::Message* ans) {
  ipc::RecvStatus rs;
  if (call_once(c, channel_of(c, which).get(), version_of(which), type, payload, ans, &rs)) return true;
  LOG_W("%s call %u failed (%d)", name_of(which), type, int(rs));
  // Whatever happened, this channel's state is unknown now: replace it.
  channel_of(c, which).reset();
  if (rs == ipc::RecvStatus::kTimeout) return false;  // a hung helper gets no retry storm
  if (!renew_channel(c, which)) {
    LOG_W("no new channel to %s", name_of(which));
    return false;
  }
  return call_once(c, channel_of(c, which).get(), version_of(which), type, payload, ans, &rs);
}

template <typename Msg>
std::vector<uint8_t> encode(const Msg& msg) {
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  msg.encode(w);
  return buf;
}

}  // namespace

bool helper_hello(Connection& c, m::Role which) {
  ipc::Message ans;
  ipc::RecvStatus rs;
  if (which == m::Role::kAuth) {
    auto buf = encode(ipc::auth::Hello{});
    if (!call_once(c, c.auth_fd.get(), ipc::auth::kVersion, ipc::auth::kHello, {buf.data(), buf.size()},
                   &ans, &rs))
      return false;
    return ipc::auth::HelloAnswer::decode(ans.body()).has_value();
  }
  auto buf = encode(ipc::rpc::Hello{});
  if (!call_once(c, c.rpc_fd.get(), ipc::rpc::kVersion, ipc::rpc::kHello, {buf.data(), buf.size()}, &ans,
                 &rs))
    return false;
  return ipc::rpc::HelloAnswer::decode(ans.body()).has_value();
}

NtStatus auth_neg_token(Connection& c, std::vector<uint8_t>* blob) {
  auto buf = encode(ipc::auth::NegToken{});
  ipc::Message ans;
  if (!helper_call(c, m::Role::kAuth, ipc::auth::kNegToken, {buf.data(), buf.size()}, &ans))
    return status::kInternalError;
  auto a = ipc::auth::NegTokenAnswer::decode(ans.body());
  if (!a) return status::kInternalError;
  *blob = std::move(a->blob);
  return status::kSuccess;
}

NtStatus auth_session_setup(Connection& c, const ipc::auth::SessionSetup& req,
                            ipc::auth::SessionSetupAnswer* out) {
  if (req.blob.size() > ipc::auth::kMaxBlob) return status::kInvalidParameter;
  auto buf = encode(req);
  ipc::Message ans;
  if (!helper_call(c, m::Role::kAuth, ipc::auth::kSessionSetup, {buf.data(), buf.size()}, &ans))
    return status::kInternalError;
  auto a = ipc::auth::SessionSetupAnswer::decode(ans.body());
  if (!a) return status::kInternalError;
  *out = std::move(*a);
  return status::kSuccess;
}

void auth_release(Connection& c, uint64_t context) {
  auto buf = encode(ipc::auth::Release{context});
  ipc::Message ans;
  ipc::RecvStatus rs;
  // No renewal: a restarted helper has forgotten the context anyway.
  call_once(c, c.auth_fd.get(), ipc::auth::kVersion, ipc::auth::kRelease, {buf.data(), buf.size()}, &ans,
            &rs);
}

namespace {
NtStatus rpc_status_call(Connection& c, uint16_t type, Bytes payload) {
  ipc::Message ans;
  if (!helper_call(c, m::Role::kRpc, type, payload, &ans)) return status::kPipeBroken;
  auto a = ipc::rpc::StatusAnswer::decode(ans.body());
  return a ? a->status : status::kPipeBroken;
}
NtStatus rpc_data_call(Connection& c, uint16_t type, Bytes payload, std::vector<uint8_t>* out) {
  ipc::Message ans;
  if (!helper_call(c, m::Role::kRpc, type, payload, &ans)) return status::kPipeBroken;
  auto a = ipc::rpc::DataAnswer::decode(ans.body());
  if (!a) return status::kPipeBroken;
  *out = std::move(a->data);
  return a->status;
}
}  // namespace

NtStatus rpc_open(Connection& c, const std::string& pipe, const std::string& user, uint32_t* handle) {
  if (pipe.size() > ipc::rpc::kMaxPipeName) return status::kObjectNameNotFound;
  ipc::rpc::Open o;
  o.handle = c.next_pipe_handle++;
  o.pipe = pipe;
  o.user = user;
  auto buf = encode(o);
  NtStatus st = rpc_status_call(c, ipc::rpc::kOpen, {buf.data(), buf.size()});
  if (st == status::kSuccess) *handle = o.handle;
  return st;
}

NtStatus rpc_write(Connection& c, uint32_t handle, Bytes data) {
  // Larger writes go in pieces the contract accepts.
  do {
    size_t n = std::min(data.size(), ipc::rpc::kMaxData);
    ipc::rpc::Write w;
    w.handle = handle;
    w.data.assign(data.begin(), data.begin() + n);
    auto buf = encode(w);
    NtStatus st = rpc_status_call(c, ipc::rpc::kWrite, {buf.data(), buf.size()});
    if (st != status::kSuccess) return st;
    data = data.subspan(n);
  } while (!data.empty());
  return status::kSuccess;
}

NtStatus rpc_read(Connection& c, uint32_t handle, uint32_t max, std::vector<uint8_t>* out) {
  ipc::rpc::Read r;
  r.handle = handle;
  r.max = std::min<uint32_t>(max, ipc::rpc::kMaxData);
  auto buf = encode(r);
  NtStatus st = rpc_data_call(c, ipc::rpc::kRead, {buf.data(), buf.size()}, out);
  if (out->size() > max) out->resize(max);
  return st;
}

NtStatus rpc_transceive(Connection& c, uint32_t handle, Bytes in, uint32_t max,
                        std::vector<uint8_t>* out) {
  if (in.size() > ipc::rpc::kMaxData) {
    // Send all but the last piece as plain writes.
    size_t head = in.size() - ipc::rpc::kMaxData;
    NtStatus st = rpc_write(c, handle, in.first(head));
    if (st != status::kSuccess) return st;
    in = in.subspan(head);
  }
  ipc::rpc::Transceive t;
  t.handle = handle;
  t.max = std::min<uint32_t>(max, ipc::rpc::kMaxData);
  t.data.assign(in.begin(), in.end());
  auto buf = encode(t);
  NtStatus st = rpc_data_call(c, ipc::rpc::kTransceive, {buf.data(), buf.size()}, out);
  if (out->size() > max) out->resize(max);
  return st;
}

void rpc_close(Connection& c, uint32_t handle) {
  ipc::rpc::Close cl;
  cl.handle = handle;
  auto buf = encode(cl);
  ipc::Message ans;
  ipc::RecvStatus rs;
  call_once(c, c.rpc_fd.get(), ipc::rpc::kVersion, ipc::rpc::kClose, {buf.data(), buf.size()}, &ans, &rs);
}

NtStatus broker_share_open(Connection& c, const m::ShareOpen& req) {
  auto buf = encode(req);
  ipc::Message ans;
  if (!master_call(c, m::kShareOpen, {buf.data(), buf.size()}, &ans)) return status::kInternalError;
  auto a = m::StatusAnswer::decode(ans.body());
  return a ? a->status : status::kInternalError;
}

bool broker_share_close(Connection& c, uint64_t open_id, bool delete_on_close) {
  m::ShareClose sc;
  sc.open_id = open_id;
  sc.delete_on_close = delete_on_close ? 1 : 0;
  auto buf = encode(sc);
  ipc::Message ans;
  if (!master_call(c, m::kShareClose, {buf.data(), buf.size()}, &ans)) return false;
  auto a = m::StatusAnswer::decode(ans.body());
  return a && a->status == m::kStatusDeleteFile;
}

NtStatus broker_delete_pending(Connection& c, uint64_t open_id, bool pending) {
  auto buf = encode(m::DeletePending{open_id, uint8_t(pending ? 1 : 0)});
  ipc::Message ans;
  if (!master_call(c, m::kDeletePending, {buf.data(), buf.size()}, &ans)) return status::kInternalError;
  auto a = m::StatusAnswer::decode(ans.body());
  return a ? a->status : status::kInternalError;
}

}  // namespace cifsd::session
