// Oplocks and leases, the session's side: see oplock.h.
#include "smbd-session/oplock.h"

#include <map>
#include <memory>
#include <set>

#include "common/log/log.h"
#include "smbd-session/async.h"
#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/identity.h"
#include "smbd-session/master_link.h"
#include "smbd-session/vfs/fileops_util.h"

namespace cifsd::session {
namespace {

namespace mp = ipc::master;

constexpr uint8_t kLevelLease = 0xFF;
constexpr uint32_t kLeaseFlagParentKeySet = 4;
constexpr NtStatus kStatusInsufficientResources = 0xC000009A;

// A CREATE waiting for a break: enough to run it again from scratch.
struct WaitingCreate {
  Connection* conn = nullptr;
  uint64_t async_id = 0;
  Smb2Header hdr;
  std::vector<uint8_t> pdu;  // the CREATE's header + body
  uint64_t session_id = 0;
  uint32_t tree_id = 0;
  uint64_t encrypted_by = 0;
};

// One connection per process; keyed by wait id (a fresh one per attempt).
std::map<uint64_t, WaitingCreate> g_waiting;
uint64_t g_next_wait = 1;
// Opens whose file other opens cache for reading (the broker said so).
std::set<uint64_t> g_others_read;
bool g_registered = false;

Open* find_by_broker_id(Connection& c, uint64_t broker_id, Session** sess) {
  for (auto& [sid, s] : c.sessions)
    for (auto& [tid, t] : s->trees)
      for (auto& [vid, o] : t->opens)
        if (o->broker_id == broker_id) {
          if (sess) *sess = s.get();
          return o.get();
        }
  return nullptr;
}

void on_oplock_break(Connection& c, const ipc::Message& m) {
  auto n = mp::OplockBreakNote::decode(m.body());
  if (!n) return;
  Session* s = nullptr;
  Open* o = find_by_broker_id(c, n->open_id, &s);
  if (!o) return;  // closed meanwhile; the broker forgot it with the close
  o->oplock_level = n->level;
  ByteWriter w;
  w.u16(24);
  w.u8(n->level);
  w.u8(0);
  w.u32(0);
  write_file_id(w, o->id);
  LOG_D("oplock break of %s to %u", o->path.c_str(), n->level);
  send_notification(c, s->id, smb2::kOplockBreak, w.view());
}

void on_lease_break(Connection& c, const ipc::Message& m) {
  auto n = mp::LeaseBreakNote::decode(m.body());
  if (!n) return;
  Session* s = nullptr;
  find_by_broker_id(c, n->open_id, &s);
  if (!s && !c.sessions.empty()) s = c.sessions.begin()->second.get();
  ByteWriter w;
  w.u16(44);
  w.u16(uint16_t(n->epoch));
  w.u32(n->flags);
  w.raw(n->lease_key.data(), 16);
  w.u32(n->current);
  w.u32(n->next);
  w.u32(0);  // BreakReason
  w.u32(0);  // AccessMaskHint
  w.u32(0);  // ShareMaskHint
  LOG_D("lease break 0x%x -> 0x%x", n->current, n->next);
  send_notification(c, s ? s->id : 0, smb2::kOplockBreak, w.view());
}

void on_read_caches(Connection&, const ipc::Message& m) {
  auto n = mp::IdNote::decode(m.body());
  if (n) g_others_read.insert(n->id);
}

// The break a CREATE waited for resolved: run the CREATE again. It either
// completes the async op or (another break needed) waits again.
void on_break_resolved(Connection& c, const ipc::Message& m) {
  auto n = mp::IdNote::decode(m.body());
  if (!n) return;
  auto it = g_waiting.find(n->id);
  if (it == g_waiting.end()) return;
  WaitingCreate w = std::move(it->second);
  g_waiting.erase(it);
  if (w.conn != &c || !async_pending(c, w.async_id)) return;
  auto sit = c.sessions.find(w.session_id);
  Session* sess = sit == c.sessions.end() ? nullptr : sit->second.get();
  Tree* tree = nullptr;
  if (sess) {
    auto tit = sess->trees.find(w.tree_id);
    if (tit != sess->trees.end()) tree = tit->second.get();
  }
  if (!sess || !tree || sess->state != Session::State::kValid) {
    complete_async(c, w.async_id, status::kNetworkNameDeleted, {});
    return;
  }
  Request req{c, w.hdr, {}, {}};
  req.hdr = w.hdr;
  req.pdu = {w.pdu.data(), w.pdu.size()};
  req.body = req.pdu.subspan(smb2::kHeaderSize);
  req.session = sess;
  req.tree = tree;
  req.encrypted_by = w.encrypted_by;
  req.async_id = w.async_id;
  std::vector<uint8_t> body;
  ByteWriter out(body);
  NtStatus st;
  if (!become_user(sess->identity)) {
    st = status::kAccessDenied;
  } else {
    st = handle_create(req, out);
    become_service();
  }
  if (st == status::kPending) return;  // waits again (a new wait id)
  complete_async(c, w.async_id, st, {body.data(), body.size()});
}

void register_handlers(Connection& c) {
  if (g_registered && c.master_handlers.count(mp::kOplockBreakNote)) return;
  master_on(c, mp::kOplockBreakNote, on_oplock_break);
  master_on(c, mp::kLeaseBreakNote, on_lease_break);
  master_on(c, mp::kBreakResolvedNote, on_break_resolved);
  master_on(c, mp::kReadCachesNote, on_read_caches);
  g_registered = true;
}

void forget_waits_of(uint64_t async_id) {
  for (auto it = g_waiting.begin(); it != g_waiting.end();)
    it = it->second.async_id == async_id ? g_waiting.erase(it) : std::next(it);
}

}  // namespace

NtStatus caching_open(Request& req, const CreateRequest& cr, const mp::ShareOpen& so, bool is_dir,
                      bool overwrite, CachingGrant* g) {
  Connection& c = req.conn;
  register_handlers(c);
  const ShareConfig& share = share_of(req);
  mp::CachingOpen co;
  co.share = so;
  co.wait_id = g_next_wait++;
  co.flags = (is_dir ? mp::kCacheFlagDirectory : 0) | (overwrite ? mp::kCacheFlagOverwrite : 0);
  const bool oplocks_on = share.oplocks;
  const bool leases_on = oplocks_on && c.config.global.smb2_leases && c.dialect >= 0x0210;
  const bool dir_leases = (c.server_capabilities & smb2::kCapDirectoryLeasing) != 0;
  co.oplock = oplocks_on ? cr.oplock_level : 0;
  if (co.oplock == kLevelLease) {
    const CreateContext* rq = cr.find("RqLs");
    if (!leases_on || !rq || (is_dir && !dir_leases)) {
      co.oplock = 0;  // no lease context (or leases off): no caching at all
    } else {
      ByteReader r(rq->data);
      r.copy(co.lease_key.data(), 16);
      co.lease_state = r.u32() & 7;
      uint32_t flags = r.u32();
      r.u64();  // LeaseDuration
      co.lease_version = 1;
      if (rq->data.size() == 52 && c.dialect >= 0x0300) {
        r.copy(co.parent_key.data(), 16);
        co.epoch = r.u16();
        co.lease_version = 2;
        // The parent lease key means something only with directory leases.
        if ((flags & kLeaseFlagParentKeySet) && dir_leases) co.flags |= mp::kCacheFlagParentKey;
      }
      co.client_guid = c.client_guid;
    }
  } else if (co.oplock != 0 && co.oplock != 1 && co.oplock != 8 && co.oplock != 9) {
    co.oplock = 0;
  }

  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  co.encode(w);
  ipc::Message ans;
  if (!master_call(c, mp::kCachingOpen, {buf.data(), buf.size()}, &ans)) return status::kInternalError;
  auto a = mp::CachingOpenAnswer::decode(ans.body());
  if (!a) return status::kInternalError;
  if (a->status == mp::kStatusPendingBreak) {
    // Wait for the holders to acknowledge (or the timeout), then retry.
    // (A retry that waits again keeps its async op: go_async returns it.)
    auto id_box = std::make_shared<uint64_t>(req.async_id);
    uint64_t aid = go_async(req, 0, [id_box](AsyncEnd) { forget_waits_of(*id_box); });
    if (!aid) return kStatusInsufficientResources;
    *id_box = aid;
    WaitingCreate wc;
    wc.conn = &c;
    wc.async_id = aid;
    wc.hdr = req.hdr;
    wc.pdu.assign(req.pdu.begin(), req.pdu.end());
    wc.session_id = req.session ? req.session->id : 0;
    wc.tree_id = req.tree ? req.tree->id : 0;
    wc.encrypted_by = req.encrypted_by;
    g_waiting[co.wait_id] = std::move(wc);
    LOG_D("CREATE waits for a break (wait %llu, async %llu)", (unsigned long long)co.wait_id,
          (unsigned long long)aid);
    return status::kPending;
  }
  if (a->status != status::kSuccess) return a->status;
  g->oplock = a->oplock;
  if (a->others_read) g_others_read.insert(so.open_id);
  if (co.oplock == kLevelLease && a->oplock == kLevelLease) {
    g->lease = true;
    // The lease answers in the format of its first open (v1 or v2).
    g->lease_version = a->lease_version ? a->lease_version : co.lease_version;
    g->lease_state = a->lease_state;
    g->lease_flags = a->lease_flags;
    g->epoch = a->epoch;
    g->lease_key = co.lease_key;
    g->parent_key = co.parent_key;
    g->has_parent = co.flags & mp::kCacheFlagParentKey;
  }
  return status::kSuccess;
}

std::vector<uint8_t> lease_response_context(const CachingGrant& g) {
  std::vector<uint8_t> d;
  ByteWriter w(d);
  w.raw(g.lease_key.data(), 16);
  w.u32(g.lease_state);
  uint32_t flags = g.lease_flags;
  if (g.lease_version >= 2 && g.has_parent) flags |= kLeaseFlagParentKeySet;
  w.u32(flags);
  w.u64(0);  // LeaseDuration
  if (g.lease_version >= 2) {
    if (g.has_parent) w.raw(g.parent_key.data(), 16);
    else w.zeros(16);
    w.u16(uint16_t(g.epoch));
    w.u16(0);
  }
  return d;
}

void caching_wrote(Connection& c, const Open& o, bool channel_read) {
  if (!o.broker_id) return;
  // Other opens' read caches break, and so does the writer's own level II
  // oplock (MS-FSA 2.1.4.12: every level II oplock of the file). A
  // ReadCaches note the master sent when another open started caching is
  // applied first, even if the event loop has not dispatched it yet.
  if (channel_read) master_apply_queued(c, mp::kReadCachesNote, on_read_caches);
  else master_apply_pending(c, mp::kReadCachesNote, on_read_caches);
  bool others = g_others_read.erase(o.broker_id) != 0;
  if (!others && o.oplock_level != 1) return;
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  mp::IdNote{o.broker_id}.encode(w);
  // A call, not a note: the breaks are on their way (a break of one of our
  // own leases is queued here) before the WRITE is answered, so the client
  // sees them right after its response (smbtorture lease.nobreakself). Only
  // the first write after others started caching reads pays the round trip.
  ipc::Message ans;
  if (!master_call(c, mp::kCachingWrite, {buf.data(), buf.size()}, &ans))
    LOG_W("caching write note for open %llu not answered", (unsigned long long)o.broker_id);
}

void caching_renamed(Connection& c, const Open& o) {
  if (!o.broker_id) return;
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  mp::CachingBreak{o.broker_id, 2 /* H */}.encode(w);
  master_send(c, mp::kCachingBreakNote, {buf.data(), buf.size()});
}

void caching_closed(const Open& o) {
  if (o.broker_id) g_others_read.erase(o.broker_id);
}

void caching_dir_changed(Connection& c, uint64_t dev, uint64_t ino, const Open* by) {
  const GlobalConfig& g = c.config.global;
  if (!g.smb2_leases || !g.smb3_directory_leases || (dev == 0 && ino == 0)) return;
  mp::DirChanged d;
  d.dev = dev;
  d.ino = ino;
  d.client_guid = c.client_guid;
  if (by && by->has_parent_lease) {
    d.parent_key = by->parent_lease_key;
    d.has_parent = 1;
  }
  std::vector<uint8_t> buf;
  ByteWriter w(buf);
  d.encode(w);
  master_send(c, mp::kDirChangedNote, {buf.data(), buf.size()});
}

void caching_parent_changed(Connection& c, const Open& o) {
  caching_dir_changed(c, o.parent_dev, o.parent_ino, &o);
}

// SMB2 OPLOCK_BREAK from the client: an oplock break acknowledgment (24
// bytes, MS-SMB2 3.3.5.22.1) or a lease break acknowledgment (36 bytes,
// 3.3.5.22.2). The broker checks it against the break it sent.
NtStatus handle_oplock_break(Request& req, ByteWriter& out) {
  Connection& c = req.conn;
  ByteReader r(req.body);
  uint16_t ss = r.u16();
  if (ss == 24) {
    uint8_t level = r.u8();
    r.u8();
    r.u32();
    FileId fid = read_file_id(r);
    if (!r.ok()) return status::kInvalidParameter;
    Open* o = find_open(req, fid);
    if (!o) return status::kFileClosed;
    if (!o->broker_id) return status::kInvalidDeviceState;
    mp::OplockAck ack{o->broker_id, level};
    std::vector<uint8_t> buf;
    ByteWriter w(buf);
    ack.encode(w);
    ipc::Message ans;
    if (!master_call(c, mp::kOplockAck, {buf.data(), buf.size()}, &ans)) return status::kInternalError;
    auto a = mp::LevelAnswer::decode(ans.body());
    if (!a) return status::kInternalError;
    o->oplock_level = uint8_t(a->level);
    if (a->status != status::kSuccess) return a->status;
    out.u16(24);
    out.u8(uint8_t(a->level));
    out.u8(0);
    out.u32(0);
    write_file_id(out, o->id);
    return status::kSuccess;
  }
  if (ss == 36) {
    if (c.dialect < 0x0210) return status::kInvalidParameter;
    r.u16();
    r.u32();  // Flags
    mp::LeaseAck ack;
    r.copy(ack.lease_key.data(), 16);
    ack.lease_state = r.u32();
    r.u64();
    if (!r.ok()) return status::kInvalidParameter;
    ack.client_guid = c.client_guid;
    std::vector<uint8_t> buf;
    ByteWriter w(buf);
    ack.encode(w);
    ipc::Message ans;
    if (!master_call(c, mp::kLeaseAck, {buf.data(), buf.size()}, &ans)) return status::kInternalError;
    auto a = mp::LevelAnswer::decode(ans.body());
    if (!a) return status::kInternalError;
    if (a->status != status::kSuccess) return a->status;
    out.u16(36);
    out.u16(0);
    out.u32(0);
    out.raw(ack.lease_key.data(), 16);
    out.u32(a->level);
    out.u64(0);
    return status::kSuccess;
  }
  return status::kInvalidParameter;
}

}  // namespace cifsd::session
