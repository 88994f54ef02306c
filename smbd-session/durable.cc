#include "smbd-session/durable.h"

#include <sys/stat.h>

#include <map>

#include "common/ipc/lock_proto.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "common/util/utf16.h"
#include "smbd-session/async.h"
#include "smbd-session/connection.h"
#include "smbd-session/master_link.h"
#include "smbd-session/smb2_types.h"
#include "smbd-session/vfs/vfs.h"

namespace cifsd::session {
namespace {

namespace m = ipc::master;

constexpr uint8_t kOplockBatch = 0x09, kOplockLease = 0xFF;
constexpr uint32_t kLeaseHandle = 0x02;
constexpr uint32_t kDh2Persistent = 0x2;
constexpr uint32_t kOptDeleteOnClose = 0x00001000;
// Timeouts: v1 has none on the wire (we keep it 60 s, as Samba does); v2
// takes the client's, 0 meaning our default, capped at 300 s.
constexpr uint32_t kDefaultTimeoutMs = 60000, kMaxTimeoutMs = 300000;

template <class Msg>
std::vector<uint8_t> encode(const Msg& msg) {
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  msg.encode(w);
  return buf;
}

// What this process parked, by persistent id: re-sent when the open's
// state changes (durable_update). One client connection per process.
std::map<uint64_t, m::DurablePark> g_parked;

// Sends one DurablePark with the open's fd and waits for the answer.
bool send_park(Connection& c, const Open& o, const m::DurablePark& p) {
  auto buf = encode(p);
  // One message per handle, the fd attached (master_link sends no fds, so
  // this is the channel's own call with a descriptor).
  int fd = c.master_fd.get();
  uint32_t seq = c.ipc_seq == 0 ? 1 : c.ipc_seq;
  c.ipc_seq = seq + 1;
  if (fd < 0 || !ipc::send_message(fd, m::kVersion, m::kDurablePark, seq, {buf.data(), buf.size()}, o.fd.get()))
    return false;
  // The answer comes like any call's; notifications meanwhile are queued.
  ipc::Message a;
  bool got = false;
  for (int n = 0; n < 4096; n++) {
    ipc::Message msg;
    if (ipc::recv_message(fd, m::kVersion, &msg, 10000) != ipc::RecvStatus::kOk) break;
    if (msg.seq == seq && msg.type == m::kDurableParkAnswer) {
      a = std::move(msg);
      got = true;
      break;
    }
    c.master_inbox.push_back(std::move(msg));
  }
  if (!c.master_inbox.empty() && c.schedule_master_dispatch) c.schedule_master_dispatch();
  auto st = got ? m::StatusAnswer::decode(a.body()) : std::nullopt;
  if (!st || st->status != status::kSuccess) {
    LOG_W("durable park of %s refused: 0x%08x", o.path.c_str(), st ? st->status : 0u);
    return false;
  }
  return true;
}

std::string share_name(const Request& req) { return req.tree && req.tree->share ? req.tree->share->name : ""; }

void write_times(ByteWriter& w, const vfs::FileStat& st) {
  w.u64(st.creation);
  w.u64(st.last_access);
  w.u64(st.last_write);
  w.u64(st.change);
}

}  // namespace

NtStatus durable_check_contexts(const Request&, const CreateRequest& cr) {
  const CreateContext* q1 = cr.find("DHnQ");
  const CreateContext* c1 = cr.find("DHnC");
  const CreateContext* q2 = cr.find("DH2Q");
  const CreateContext* c2 = cr.find("DH2C");
  // v1 and v2 contexts never mix, and a request is either a new durable
  // open or a reconnect (3.3.5.9.6, 3.3.5.9.10, 3.3.5.9.12).
  if ((q1 || c1) && (q2 || c2)) return status::kInvalidParameter;
  if (q2 && c2) return status::kInvalidParameter;
  if (q1 && q1->data.size() < 16) return status::kInvalidParameter;
  if (c1 && c1->data.size() < 16) return status::kInvalidParameter;
  if (q2 && q2->data.size() != 32) return status::kInvalidParameter;
  if (c2 && c2->data.size() != 36) return status::kInvalidParameter;
  return status::kSuccess;
}

void durable_grant(Request& req, const CreateRequest& cr, Open& o, const CachingGrant& cg,
                   DurableGrant* g) {
  const uint8_t oplock = cg.oplock;
  const uint32_t lease_state = cg.lease ? cg.lease_state : 0;
  Connection& c = req.conn;
  const CreateContext* q1 = cr.find("DHnQ");
  const CreateContext* q2 = cr.find("DH2Q");
  if ((!q1 && !q2) || cr.find("DHnC") || !c.config.global.durable_handles || !req.session) return;
  if (o.is_pipe || o.is_directory || !o.broker_id || !o.fd) return;
  if (q2 && c.dialect < 0x0300) return;
  // Durability needs the client to be told of conflicting opens while it is
  // away: a batch oplock or a lease with handle caching (3.3.5.9.6/.10).
  const bool caching_ok = oplock == kOplockBatch || (oplock == kOplockLease && (lease_state & kLeaseHandle));
  if (!caching_ok) return;

  m::DurablePark p;
  p.open_id = o.broker_id;
  m::DurableInfo& i = p.info;
  i.v2 = q2 != nullptr;
  i.timeout_ms = kDefaultTimeoutMs;
  if (q2) {
    ByteReader r(q2->data);
    uint32_t timeout = r.u32();
    r.u32();  // Flags: PERSISTENT is granted only on continuously available shares (none yet)
    r.u64();
    r.copy(i.create_guid.data(), 16);
    if (timeout) i.timeout_ms = std::min(timeout, kMaxTimeoutMs);
  }
  // A persistent id unique across the server: the master's connection id
  // and this connection's volatile id.
  o.id.persistent = (c.connection_id << 32) | (o.id.volatile_ & 0xFFFFFFFFull);
  i.persistent_id = o.id.persistent;
  const auto& id = req.session->identity;
  i.uid = id.uid;
  i.user = id.user;
  i.domain = id.domain;
  i.share = share_name(req);
  i.path = o.path;
  i.dev = o.dev;
  i.ino = o.ino;
  i.access = o.access;
  i.share_access = o.share_access;
  i.create_options = o.create_options;
  i.oplock_level = oplock;
  i.is_dir = o.is_directory;
  i.position = o.position;
  if (oplock == kOplockLease) {
    i.client_guid = c.client_guid;
    i.lease_key = cg.lease_key;
    i.lease_state = cg.lease_state;
    i.lease_epoch = cg.epoch;
    i.lease_version = cg.lease_version;
  }
  if (!send_park(c, o, p)) {
    o.id.persistent = o.id.volatile_;
    return;
  }
  g_parked[o.id.persistent] = p;
  o.is_durable = true;
  g->granted = true;
  if (q2) {
    g->context = "DH2Q";
    ByteWriter w(g->data);
    w.u32(i.timeout_ms);
    w.u32(0);  // Flags: not persistent
  } else {
    g->context = "DHnQ";
    g->data.assign(8, 0);
  }
}

void durable_update(Connection& c, const Open& o) {
  if (!o.is_durable) return;
  auto it = g_parked.find(o.id.persistent);
  if (it == g_parked.end()) return;
  it->second.info.position = o.position;
  send_park(c, o, it->second);
}

void durable_closed(Connection& c, const Open& o) {
  if (!o.is_durable) return;
  g_parked.erase(o.id.persistent);
  auto buf = encode(m::DurableDrop{o.id.persistent});
  ipc::Message ans;
  master_call(c, m::kDurableDrop, {buf.data(), buf.size()}, &ans);
}

void durable_detach_session(Connection& c, Session& s) {
  for (auto& [tid, tree] : s.trees) {
    for (auto it = tree->opens.begin(); it != tree->opens.end();) {
      Open& o = *it->second;
      if (!o.is_durable) {
        ++it;
        continue;
      }
      auto buf = encode(m::DurableDrop{o.id.persistent});
      ipc::Message ans;
      auto st = master_call(c, m::kDurableDisconnect, {buf.data(), buf.size()}, &ans)
                    ? m::StatusAnswer::decode(ans.body())
                    : std::nullopt;
      if (!st || st->status != status::kSuccess) {
        ++it;  // closed normally with the session
        continue;
      }
      g_parked.erase(o.id.persistent);
      end_async_for_open(c, o.id.volatile_);
      caching_closed(o);
      LOG_I("durable handle %llx (%s) disconnected with its session", (unsigned long long)o.id.persistent,
            o.path.c_str());
      if (c.open_count) c.open_count--;
      it = tree->opens.erase(it);  // the broker holds the file now
    }
  }
}

NtStatus durable_reconnect(Request& req, const CreateRequest& cr, ByteWriter& out) {
  Connection& c = req.conn;
  const CreateContext* c1 = cr.find("DHnC");
  const CreateContext* c2 = cr.find("DH2C");
  if (!c.config.global.durable_handles || !req.session || req.tree->is_ipc)
    return status::kObjectNameNotFound;
  if (c2 && c.dialect < 0x0300) return status::kObjectNameNotFound;
  m::DurableReclaim rq;
  ByteReader r(c2 ? c2->data : c1->data);
  rq.persistent_id = r.u64();
  r.u64();  // volatile half: the old connection's, meaningless here
  if (c2) {
    r.copy(rq.create_guid.data(), 16);
    r.u32();  // Flags
  }
  if (!r.ok()) return status::kInvalidParameter;
  rq.v2 = c2 != nullptr;
  rq.client_guid = c.client_guid;
  if (auto name = utf16le_to_utf8(cr.name)) {
    for (char& ch : *name)
      if (ch == '\\') ch = '/';
    size_t b = name->find_first_not_of('/');
    rq.name = b == std::string::npos ? "" : name->substr(b);
    if (rq.name.size() > ipc::master::kMaxDurableName) rq.name.clear();
  }
  if (const CreateContext* ls = cr.find("RqLs")) {
    ByteReader lr(ls->data);
    lr.copy(rq.lease_key.data(), 16);
    if (!lr.ok()) return status::kInvalidParameter;
    rq.with_lease = true;
  }
  const auto& id = req.session->identity;
  rq.uid = id.uid;
  rq.user = id.user;
  rq.domain = id.domain;
  rq.new_open_id = c.next_broker_id++;
  auto buf = encode(rq);
  ipc::Message ans;
  if (!master_call(c, m::kDurableReclaim, {buf.data(), buf.size()}, &ans)) return status::kInternalError;
  auto a = m::DurableReclaimAnswer::decode(ans.body());
  if (!a) return status::kInternalError;
  if (a->status != status::kSuccess) return a->status;
  const m::DurableInfo& i = a->info;
  // The handle belongs to this share only; the broker handed us the fd, so
  // give it back on any mismatch by dropping it.
  struct stat sb;
  if (!ans.fd.valid() || i.share != share_name(req) || fstat(ans.fd.get(), &sb) != 0 ||
      uint64_t(sb.st_ino) != i.ino) {
    auto d = encode(m::DurableDrop{i.persistent_id});
    ipc::Message da;
    master_call(c, m::kDurableDrop, {d.data(), d.size()}, &da);
    ipc::master::ShareClose sc{rq.new_open_id};
    auto sb2 = encode(sc);
    master_call(c, m::kShareClose, {sb2.data(), sb2.size()}, &da);
    return status::kObjectNameNotFound;
  }
  auto o = std::make_unique<Open>();
  o->id.volatile_ = c.next_volatile_id++;
  o->id.persistent = i.persistent_id;
  o->fd = std::move(ans.fd);
  o->path = i.path;
  o->is_directory = i.is_dir;
  o->access = i.access;
  o->share_access = i.share_access;
  o->create_options = i.create_options;
  o->broker_id = rq.new_open_id;
  o->oplock_level = i.oplock_level;
  o->dev = i.dev;
  o->ino = i.ino;
  o->position = i.position;
  o->delete_on_close = i.create_options & kOptDeleteOnClose;
  o->is_durable = true;
  {
    // Parked again under this connection: the open's state as it is now.
    m::DurablePark p;
    p.open_id = o->broker_id;
    p.info = i;
    g_parked[i.persistent_id] = p;
  }
  vfs::FileStat st;
  std::string_view leaf = o->path;
  if (auto slash = leaf.rfind('/'); slash != std::string_view::npos) leaf = leaf.substr(slash + 1);
  if (vfs::stat_fd(o->fd.get(), *req.tree->share, leaf, &st) != status::kSuccess) st = {};
  FileId fid = o->id;
  out.u16(89);
  out.u8(i.oplock_level);
  out.u8(0);
  out.u32(1);  // FILE_OPENED
  write_times(out, st);
  out.u64(st.alloc);
  out.u64(st.size);
  out.u32(st.attrs);
  out.u32(0);
  write_file_id(out, fid);
  // A leased handle's reconnect answers with its lease (no durable context:
  // the client knows the handle is durable).
  ByteWriter ctx;
  size_t prev = SIZE_MAX;
  if (i.oplock_level == kOplockLease) {
    CachingGrant g;
    g.oplock = kOplockLease;
    g.lease = true;
    g.lease_version = i.lease_version;
    g.lease_state = i.lease_state;
    g.epoch = i.lease_epoch;
    g.lease_key = i.lease_key;
    std::vector<uint8_t> d = lease_response_context(g);
    put_context(ctx, &prev, "RqLs", {d.data(), d.size()});
  }
  put_context_tail(out, ctx);
  req.tree->opens[fid.volatile_] = std::move(o);
  c.open_count++;
  if (req.compound_file_id) *req.compound_file_id = fid;
  LOG_I("durable handle %llx (%s) reconnected", (unsigned long long)fid.persistent, i.path.c_str());
  return status::kSuccess;
}

}  // namespace cifsd::session
