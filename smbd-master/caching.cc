#include "smbd-master/caching.h"

#include <algorithm>

#include "common/log/log.h"
#include "smbd-master/share_modes.h"

namespace cifsd::master {

namespace mp = ipc::master;

namespace {

constexpr uint32_t kReadAttributes = 0x80, kWriteAttributes = 0x100, kReadControl = 0x20000,
                   kSynchronize = 0x100000;

template <class M>
Notify note(uint64_t conn, uint16_t type, const M& msg) {
  Notify n;
  n.conn_id = conn;
  n.type = type;
  ByteWriter w(n.payload);
  msg.encode(w);
  return n;
}

}  // namespace

bool is_stat_open(uint32_t access) {
  return (access & ~(kReadAttributes | kWriteAttributes | kReadControl | kSynchronize)) == 0;
}

// Oplock levels expressed as the lease bits they cache (batch = RWH,
// exclusive = RW, level II = R), so one set of rules serves both.
uint32_t CachingTable::oplock_bits(uint8_t level) {
  switch (level) {
    case kOplockBatch: return kLeaseR | kLeaseW | kLeaseH;
    case kOplockExclusive: return kLeaseR | kLeaseW;
    case kOplockII: return kLeaseR;
    default: return 0;
  }
}

CachingTable::Lease* CachingTable::find_lease(File& f, const LeaseId& id) {
  for (Lease& l : f.leases)
    if (l.id == id) return &l;
  return nullptr;
}

void CachingTable::send_oplock_break(const COpen& o, uint8_t to, std::vector<Notify>* out) {
  out->push_back(note(o.conn, mp::kOplockBreakNote, mp::OplockBreakNote{o.open_id, to}));
}

// Starts breaking lease `l` to `to`. A lease that caches only reads needs no
// acknowledgment (MS-SMB2 3.3.4.7): its state drops at once.
void CachingTable::send_lease_break(File& f, Lease& l, uint32_t to, int64_t now_ms,
                                    std::vector<Notify>* out) {
  mp::LeaseBreakNote n;
  for (const COpen& o : f.opens)
    if (o.oplock == kOplockLease && o.lease == l.id) {
      n.open_id = o.open_id;
      break;
    }
  n.lease_key = l.id.second;
  n.current = l.state;
  n.next = to;
  if (l.version >= 2) n.epoch = ++l.epoch;
  if (l.state & (kLeaseW | kLeaseH)) {
    n.flags = kBreakFlagAckRequired;
    l.breaking = true;
    l.break_to = to;
    l.deadline = now_ms + timeout_ms_;
    deadlines_.insert({l.deadline, lease_file_[l.id]});
  } else {
    l.state = to;
  }
  out->push_back(note(l.conn, mp::kLeaseBreakNote, n));
}

bool CachingTable::check(uint64_t conn, const mp::CachingOpen& req, int64_t now_ms, uint32_t* status,
                         std::vector<Notify>* out) {
  *status = kStatusSuccess;
  FileKey fk{req.share.dev, req.share.ino};
  const bool want_lease = req.oplock == kOplockLease && req.lease_version;
  const LeaseId mine{req.client_guid, req.lease_key};
  if (want_lease) {
    // One lease key names one file (MS-SMB2 3.3.5.9.8).
    auto lf = lease_file_.find(mine);
    if (lf != lease_file_.end() && lf->second != fk) {
      *status = kStatusInvalidParameter;
      return false;
    }
  }
  auto fit = files_.find(fk);
  // Stat opens break nothing; for oplocks READ_CONTROL is not one of them
  // (Windows breaks an oplock for a security-descriptor read, not a lease).
  // An overwrite/supersede changes the data, so it is never a stat open.
  const bool overwrite = req.flags & mp::kCacheFlagOverwrite;
  const bool lease_stat = is_stat_open(req.share.access) && !overwrite;
  const bool oplock_stat =
      (req.share.access & ~(kReadAttributes | kWriteAttributes | kSynchronize)) == 0 && !overwrite;
  if (fit == files_.end() || oplock_stat) return false;
  File& f = fit->second;

  // What the holders must give up: write caching always (another open now
  // sees the file), handle caching when the open would otherwise fail with a
  // sharing violation (the holder may close its cached handles), and read
  // caching too when the open overwrites the file.
  bool violation = false;
  for (const COpen& o : f.opens)
    if (!compatible(o.access, o.share, req.share.access, req.share.share_access)) violation = true;
  uint32_t remove = kLeaseW;
  if (violation) remove |= kLeaseH;
  if (req.flags & mp::kCacheFlagOverwrite) remove |= kLeaseR | kLeaseH;

  bool wait = false;
  for (COpen& o : f.opens) {
    if (o.oplock == kOplockLease || o.oplock == kOplockNone) continue;
    // An open that will fail with a sharing violation breaks only handle
    // caching (the holder may close); an exclusive oplock stays.
    if (violation && !(oplock_bits(o.oplock) & kLeaseH)) continue;
    if (o.breaking) {
      // Still held until acknowledged: wait if it matters to this open.
      // (A further break, if this open needs one, follows when the waiter
      // retries after the acknowledgment.)
      if (oplock_bits(o.oplock) & remove) wait = true;
      continue;
    }
    uint32_t held = oplock_bits(o.oplock);
    uint32_t keep = held & ~remove;
    if (keep == held) continue;
    uint8_t to = (keep & kLeaseR) ? kOplockII : kOplockNone;
    if (o.oplock == kOplockII) {
      // Level II breaks to none without an acknowledgment.
      o.oplock = kOplockNone;
      o.unacked_break = true;
      send_oplock_break(o, kOplockNone, out);
      continue;
    }
    o.breaking = true;
    o.break_to = to;
    o.deadline = now_ms + timeout_ms_;
    deadlines_.insert({o.deadline, fk});
    send_oplock_break(o, to, out);
    wait = true;
  }
  for (Lease& l : f.leases) {
    if (lease_stat) break;
    if (want_lease && l.id == mine) continue;  // the client's own lease never breaks itself
    if (violation && !(l.state & kLeaseH)) continue;
    if (l.breaking) {
      if (l.state & remove) wait = true;
      continue;
    }
    uint32_t keep = l.state & ~remove;
    // Without W, handle caching goes first: an RH lease that must lose R
    // and H is broken to R (acknowledged), and R is dropped when the waiter
    // retries (as Windows). A lease with W is broken to the target at once.
    if (l.state == (kLeaseR | kLeaseH) && (remove & kLeaseR)) keep = kLeaseR;
    if (!(keep & kLeaseR)) keep = 0;  // H or W without R is no lease state
    if (keep == l.state) continue;
    send_lease_break(f, l, keep, now_ms, out);
    if (l.breaking) wait = true;
  }
  if (!wait) return false;
  for (const Waiter& w : f.waiters)
    if (w.conn == conn && w.wait_id == req.wait_id) return true;
  size_t& n = waiters_per_conn_[conn];
  if (n >= kMaxWaitersPerConnection) {
    *status = 0xC000009A;  // STATUS_INSUFFICIENT_RESOURCES
    if (n == 0) waiters_per_conn_.erase(conn);
    return false;
  }
  n++;
  f.waiters.push_back({conn, req.wait_id});
  return true;
}

mp::CachingOpenAnswer CachingTable::grant(uint64_t conn, const mp::CachingOpen& req,
                                          std::vector<Notify>* out) {
  mp::CachingOpenAnswer a;
  FileKey fk{req.share.dev, req.share.ino};
  OpenKey ok{conn, req.share.open_id};
  if (by_open_.count(ok)) {
    a.status = kStatusInvalidParameter;
    return a;
  }
  File& f = files_[fk];
  const bool want_lease = req.oplock == kOplockLease && req.lease_version;
  const LeaseId mine{req.client_guid, req.lease_key};
  COpen o;
  o.conn = conn;
  o.open_id = req.share.open_id;
  o.access = req.share.access;
  o.share = req.share.share_access;
  o.stat = is_stat_open(o.access) && !(req.flags & mp::kCacheFlagOverwrite);
  o.has_write = o.access & (kFileWriteData | kFileAppendData | kGenericWrite | kGenericAll);

  // The others: any open not ours (stat opens do not count) and what they cache.
  // A stat open counts only while it caches something (it may hold an
  // oplock of its own when it was the only open).
  bool others = false, others_write = false, others_read = false;
  bool others_oplock = false, others_handle = false;
  for (const COpen& p : f.opens) {
    bool same = want_lease && p.oplock == kOplockLease && p.lease == mine;
    if (same) continue;
    if (!p.stat || p.oplock != kOplockNone) others = true;
    uint32_t bits = p.oplock == kOplockLease ? 0 : oplock_bits(p.oplock);
    if (bits) others_oplock = true;
    if (bits & kLeaseW) others_write = true;
    if (bits & kLeaseR) others_read = true;
  }
  for (const Lease& l : f.leases) {
    if (want_lease && l.id == mine) continue;
    if (l.state & kLeaseW) others_write = true;
    if (l.state & kLeaseR) others_read = true;
    if (l.state & kLeaseH) others_handle = true;
  }

  const bool dir = req.flags & mp::kCacheFlagDirectory;
  uint32_t got_read = 0;
  if (want_lease) {
    uint32_t ask = req.lease_state;
    // A directory lease caches reads and handles, never writes (MS-SMB2
    // 3.3.5.9.11); the session asks for one only with directory leasing on.
    if (dir) ask &= kLeaseR | kLeaseH;
    if (!(ask & kLeaseR)) ask = 0;  // H or W without R: nothing to grant
    uint32_t allowed = ask;
    if (others) allowed &= ~kLeaseW;
    // Next to an oplock a lease caches reads only (Windows grants R).
    if (others_oplock) allowed &= kLeaseR;
    if (others_write) allowed = 0;
    Lease* l = find_lease(f, mine);
    if (!l) {
      Lease nl;
      nl.id = mine;
      nl.conn = conn;
      nl.state = allowed;
      nl.version = req.lease_version;
      if (nl.version >= 2) nl.epoch = (req.epoch + 1) & 0xFFFF;
      f.leases.push_back(nl);
      l = &f.leases.back();
      lease_file_[mine] = fk;
    } else if (l->breaking) {
      a.lease_flags = kLeaseFlagBreakInProgress;
    } else if ((ask & l->state) == l->state && ask != l->state && allowed == ask) {
      // Upgrade (MS-SMB2 3.3.5.9.8): only to a superset of what is held, and
      // only when all of it can be granted; otherwise the lease stays.
      l->state = ask;
      if (l->version >= 2) l->epoch = (l->epoch + 1) & 0xFFFF;
    }
    o.oplock = kOplockLease;
    o.lease = mine;
    a.oplock = kOplockLease;
    a.lease_state = l->state;
    a.epoch = l->epoch;
    a.lease_version = l->version;
    got_read = l->state & kLeaseR;
  } else if (!dir && req.oplock != kOplockLease) {
    uint8_t lvl = kOplockNone;
    if (req.oplock == kOplockExclusive || req.oplock == kOplockBatch)
      lvl = others_write ? kOplockNone : others ? kOplockII : req.oplock;
    else if (req.oplock == kOplockII)
      lvl = others_write ? kOplockNone : kOplockII;
    // A stat open next to other opens gets none; an oplock next to a lease
    // with handle caching gets none (what Windows grants).
    if (o.stat && others) lvl = kOplockNone;
    if (others_handle) lvl = kOplockNone;
    o.oplock = lvl;
    a.oplock = lvl;
    got_read = oplock_bits(lvl) & kLeaseR;
  }
  a.others_read = others_read ? 1 : 0;
  // Writers among the others must now tell the broker when they write.
  if (got_read) {
    for (const COpen& p : f.opens) {
      bool same = want_lease && p.oplock == kOplockLease && p.lease == mine;
      if (!same && p.has_write) out->push_back(note(p.conn, mp::kReadCachesNote, mp::IdNote{p.open_id}));
    }
  }
  f.opens.push_back(o);
  by_open_.emplace(ok, fk);
  return a;
}

void CachingTable::dir_changed(const mp::DirChanged& d, int64_t now_ms, std::vector<Notify>* out) {
  auto it = files_.find({d.dev, d.ino});
  if (it == files_.end()) return;
  File& f = it->second;
  const LeaseId spared{d.client_guid, d.parent_key};
  for (Lease& l : f.leases) {
    if (d.has_parent && l.id == spared) continue;
    // A lease already being broken is left to that break (its holder
    // acknowledges the state it was told).
    if (l.state == 0 || l.breaking) continue;
    send_lease_break(f, l, 0, now_ms, out);
  }
}

void CachingTable::wake(const FileKey&, File& f, std::vector<Notify>* out) {
  for (const Waiter& w : f.waiters) {
    out->push_back(note(w.conn, mp::kBreakResolvedNote, mp::IdNote{w.wait_id}));
    auto it = waiters_per_conn_.find(w.conn);
    if (it != waiters_per_conn_.end() && --it->second == 0) waiters_per_conn_.erase(it);
  }
  f.waiters.clear();
}

void CachingTable::erase_if_empty(const FileKey& fk) {
  auto it = files_.find(fk);
  if (it != files_.end() && it->second.opens.empty() && it->second.leases.empty() &&
      it->second.waiters.empty())
    files_.erase(it);
}

void CachingTable::close(uint64_t conn, uint64_t open_id, std::vector<Notify>* out) {
  auto it = by_open_.find({conn, open_id});
  if (it == by_open_.end()) return;
  FileKey fk = it->second;
  by_open_.erase(it);
  auto fit = files_.find(fk);
  if (fit == files_.end()) return;
  File& f = fit->second;
  bool resolved = false;
  bool was_lease = false;
  LeaseId lid{};
  for (auto o = f.opens.begin(); o != f.opens.end(); ++o) {
    if (o->conn != conn || o->open_id != open_id) continue;
    resolved = o->breaking;
    was_lease = o->oplock == kOplockLease;
    lid = o->lease;
    f.opens.erase(o);
    break;
  }
  if (was_lease) {
    bool still_used = std::any_of(f.opens.begin(), f.opens.end(), [&](const COpen& p) {
      return p.oplock == kOplockLease && p.lease == lid;
    });
    if (!still_used) {
      for (auto l = f.leases.begin(); l != f.leases.end(); ++l)
        if (l->id == lid) {
          resolved = resolved || l->breaking;
          f.leases.erase(l);
          break;
        }
      lease_file_.erase(lid);
    }
  }
  if (resolved) wake(fk, f, out);
  erase_if_empty(fk);
}

void CachingTable::drop_connection(uint64_t conn, std::vector<Notify>* out) {
  std::vector<uint64_t> ids;
  for (auto it = by_open_.lower_bound({conn, 0}); it != by_open_.end() && it->first.first == conn; ++it)
    ids.push_back(it->first.second);
  for (uint64_t id : ids) close(conn, id, out);
  if (!waiters_per_conn_.count(conn)) return;
  std::vector<FileKey> empty;
  for (auto& [fk, f] : files_) {
    auto& w = f.waiters;
    w.erase(std::remove_if(w.begin(), w.end(), [&](const Waiter& x) { return x.conn == conn; }), w.end());
    if (f.opens.empty() && f.leases.empty() && w.empty()) empty.push_back(fk);
  }
  for (const FileKey& fk : empty) files_.erase(fk);
  waiters_per_conn_.erase(conn);
}

mp::LevelAnswer CachingTable::oplock_ack(uint64_t conn, uint64_t open_id, uint8_t level,
                                         std::vector<Notify>* out) {
  mp::LevelAnswer a;
  auto it = by_open_.find({conn, open_id});
  if (it == by_open_.end()) {
    a.status = kStatusFileClosed;
    return a;
  }
  FileKey fk = it->second;
  File& f = files_[fk];
  COpen* o = nullptr;
  for (COpen& p : f.opens)
    if (p.conn == conn && p.open_id == open_id) o = &p;
  if (!o) {
    a.status = kStatusFileClosed;
    return a;
  }
  // A level II break needs no acknowledgment, but a client may send one.
  // MS-SMB2 says the client does not acknowledge a break from level II to
  // none; one that does gets STATUS_INVALID_OPLOCK_PROTOCOL (as Windows).
  if (!o->breaking && o->unacked_break) {
    o->unacked_break = false;
    a.status = kStatusInvalidOplockProtocol;
    a.level = o->oplock;
    return a;
  }
  if (!o->breaking || o->oplock == kOplockLease) {
    a.status = kStatusInvalidDeviceState;
    return a;
  }
  // MS-SMB2 3.3.5.22.1: a wrong level ends the oplock (to none) and fails.
  uint32_t st = kStatusSuccess;
  if (level == kOplockLease) st = kStatusInvalidParameter;
  else if (level != kOplockNone && level != kOplockII) st = kStatusInvalidOplockProtocol;
  else if (level > o->break_to) st = kStatusInvalidOplockProtocol;
  o->oplock = st == kStatusSuccess ? level : kOplockNone;
  o->breaking = false;
  a.status = st;
  a.level = o->oplock;
  wake(fk, f, out);
  return a;
}

mp::LevelAnswer CachingTable::lease_ack(uint64_t conn, const Guid& client_guid, const Guid& key,
                                        uint32_t state, std::vector<Notify>* out) {
  mp::LevelAnswer a;
  LeaseId id{client_guid, key};
  auto lf = lease_file_.find(id);
  Lease* l = nullptr;
  File* f = nullptr;
  if (lf != lease_file_.end()) {
    auto fit = files_.find(lf->second);
    if (fit != files_.end()) {
      f = &fit->second;
      l = find_lease(*f, id);
    }
  }
  // Any connection of the client (same ClientGuid) may acknowledge its
  // lease (MS-SMB2 3.3.5.22.2 looks the lease up by ClientGuid and key).
  (void)conn;
  if (!l) {
    a.status = kStatusObjectNameNotFound;
    return a;
  }
  if (!l->breaking) {
    a.status = kStatusUnsuccessful;
    return a;
  }
  if (state & ~l->break_to) {
    a.status = kStatusRequestNotAccepted;
    a.level = l->state;
    return a;
  }
  l->state = state;
  l->breaking = false;
  a.level = state;
  wake(lf->second, *f, out);
  return a;
}

void CachingTable::wrote(uint64_t conn, uint64_t open_id, int64_t now_ms, std::vector<Notify>* out) {
  auto it = by_open_.find({conn, open_id});
  if (it == by_open_.end()) return;
  FileKey fk = it->second;
  File& f = files_[fk];
  const COpen* self = nullptr;
  for (const COpen& p : f.opens)
    if (p.conn == conn && p.open_id == open_id) self = &p;
  if (!self) return;
  bool self_lease = self->oplock == kOplockLease;
  LeaseId lid = self->lease;
  // Every level II oplock breaks, the writer's own too (MS-FSA 2.1.4.12).
  for (COpen& p : f.opens) {
    if (p.oplock != kOplockII) continue;
    p.oplock = kOplockNone;
    p.unacked_break = true;
    send_oplock_break(p, kOplockNone, out);
  }
  for (Lease& l : f.leases) {
    if ((self_lease && l.id == lid) || l.breaking || !(l.state & kLeaseR)) continue;
    // A write never waits: the break is sent and acknowledged later.
    send_lease_break(f, l, 0, now_ms, out);
  }
}

void CachingTable::break_others(uint64_t conn, uint64_t open_id, uint32_t remove, int64_t now_ms,
                                std::vector<Notify>* out) {
  auto it = by_open_.find({conn, open_id});
  if (it == by_open_.end()) return;
  File& f = files_[it->second];
  const COpen* self = nullptr;
  for (const COpen& p : f.opens)
    if (p.conn == conn && p.open_id == open_id) self = &p;
  if (!self) return;
  const bool self_lease = self->oplock == kOplockLease;
  const LeaseId lid = self->lease;
  for (Lease& l : f.leases) {
    if ((self_lease && l.id == lid) || l.breaking) continue;
    uint32_t keep = l.state & ~remove;
    if (!(keep & kLeaseR)) keep = 0;
    if (keep != l.state) send_lease_break(f, l, keep, now_ms, out);
  }
}

void CachingTable::expire(int64_t now_ms, std::vector<Notify>* out) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    FileKey fk = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto fit = files_.find(fk);
    if (fit == files_.end()) continue;
    File& f = fit->second;
    bool resolved = false;
    for (COpen& o : f.opens)
      if (o.breaking && o.deadline <= now_ms) {
        o.breaking = false;
        o.oplock = kOplockNone;
        resolved = true;
      }
    for (Lease& l : f.leases)
      if (l.breaking && l.deadline <= now_ms) {
        // An unacknowledged lease break ends with no caching at all.
        l.breaking = false;
        l.state = 0;
        resolved = true;
      }
    if (resolved) wake(fk, f, out);
  }
}

int64_t CachingTable::next_deadline() const {
  return deadlines_.empty() ? 0 : deadlines_.begin()->first;
}

size_t CachingTable::waiter_count() const {
  size_t n = 0;
  for (const auto& [c, k] : waiters_per_conn_) n += k;
  return n;
}

int CachingTable::oplock_of(uint64_t conn, uint64_t open_id) const {
  auto it = by_open_.find({conn, open_id});
  if (it == by_open_.end()) return -1;
  for (const COpen& p : files_.at(it->second).opens)
    if (p.conn == conn && p.open_id == open_id) return p.oplock;
  return -1;
}

bool CachingTable::breaking(uint64_t conn, uint64_t open_id) const {
  auto it = by_open_.find({conn, open_id});
  if (it == by_open_.end()) return false;
  for (const COpen& p : files_.at(it->second).opens)
    if (p.conn == conn && p.open_id == open_id) return p.breaking;
  return false;
}

int CachingTable::lease_state_of(const Guid& client_guid, const Guid& key) const {
  LeaseId id{client_guid, key};
  auto lf = lease_file_.find(id);
  if (lf == lease_file_.end()) return -1;
  for (const Lease& l : files_.at(lf->second).leases)
    if (l.id == id) return int(l.state);
  return -1;
}

namespace {
template <class M>
SessionAction answer_with(uint16_t type, const M& msg) {
  SessionAction a;
  a.kind = SessionAction::kAnswer;
  a.type = type;
  ByteWriter w(a.payload);
  msg.encode(w);
  return a;
}
}  // namespace

SessionAction handle_caching_frame(const SessionState& st, const ipc::Message& m,
                                   ShareModeTable& shares, CachingTable& caching, uint32_t max_opens,
                                   int64_t now_ms) {
  SessionAction violation;
  switch (m.type) {
    case mp::kCachingOpen: {
      auto req = mp::CachingOpen::decode(m.body());
      if (!req) return violation;
      mp::CachingOpenAnswer ans;
      std::vector<Notify> notes;
      if (shares.opens_of_connection(st.conn_id) >= max_opens) {
        ans.status = kStatusTooManyOpenedFiles;
      } else if (shares.delete_pending(req->share.dev, req->share.ino)) {
        // Refused before any break: nobody's caching changes (MS-FSA
        // 2.1.5.1.2; smbtorture smb2.oplock.doc).
        ans.status = kStatusDeletePending;
      } else if (caching.check(st.conn_id, *req, now_ms, &ans.status, &notes)) {
        ans.status = mp::kStatusPendingBreak;
      } else if (ans.status == kStatusSuccess) {
        const mp::ShareOpen& so = req->share;
        ans.status = shares.open(st.conn_id, so.open_id, so.dev, so.ino, so.access, so.share_access);
        if (ans.status == kStatusSuccess) {
          ans = caching.grant(st.conn_id, *req, &notes);
          if (ans.status != kStatusSuccess) shares.close(st.conn_id, so.open_id);
        }
      }
      LOG_D("connection %llu: caching open %llu (%llx:%llu oplock 0x%x lease 0x%x) -> 0x%08x "
            "oplock 0x%x lease 0x%x",
            (unsigned long long)st.conn_id, (unsigned long long)req->share.open_id,
            (unsigned long long)req->share.dev, (unsigned long long)req->share.ino, req->oplock,
            req->lease_state, ans.status, ans.oplock, ans.lease_state);
      SessionAction a = answer_with(mp::kCachingOpenAnswer, ans);
      a.notify = std::move(notes);
      return a;
    }
    case mp::kOplockAck: {
      auto req = mp::OplockAck::decode(m.body());
      if (!req) return violation;
      std::vector<Notify> notes;
      SessionAction a = answer_with(mp::kOplockAckAnswer,
                                    caching.oplock_ack(st.conn_id, req->open_id, req->level, &notes));
      a.notify = std::move(notes);
      return a;
    }
    case mp::kLeaseAck: {
      auto req = mp::LeaseAck::decode(m.body());
      if (!req) return violation;
      std::vector<Notify> notes;
      SessionAction a = answer_with(
          mp::kLeaseAckAnswer,
          caching.lease_ack(st.conn_id, req->client_guid, req->lease_key, req->lease_state, &notes));
      a.notify = std::move(notes);
      return a;
    }
    case mp::kCachingWrite:
    case mp::kCachingWriteNote: {
      auto req = mp::IdNote::decode(m.body());
      if (!req) return violation;
      SessionAction a;
      a.kind = SessionAction::kNone;
      caching.wrote(st.conn_id, req->id, now_ms, &a.notify);
      if (m.type == mp::kCachingWrite) {
        a.kind = SessionAction::kAnswer;
        a.type = mp::kCachingWriteAnswer;
        a.payload = status_payload(kStatusSuccess);
      }
      return a;
    }
    case mp::kDirChangedNote: {
      auto req = mp::DirChanged::decode(m.body());
      if (!req) return violation;
      SessionAction a;
      a.kind = SessionAction::kNone;
      caching.dir_changed(*req, now_ms, &a.notify);
      return a;
    }
    case mp::kCachingBreakNote: {
      auto req = mp::CachingBreak::decode(m.body());
      if (!req) return violation;
      SessionAction a;
      a.kind = SessionAction::kNone;
      caching.break_others(st.conn_id, req->open_id, req->remove, now_ms, &a.notify);
      return a;
    }
    default:
      return violation;
  }
}

}  // namespace cifsd::master
