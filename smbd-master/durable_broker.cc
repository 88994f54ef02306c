#include "smbd-master/durable_broker.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "common/ipc/lock_proto.h"
#include "common/log/log.h"
#include "common/util/utf16.h"
#include "smbd-master/caching.h"

namespace cifsd::master {

namespace mp = ipc::master;

namespace {

constexpr uint32_t kReadAttributes = 0x80, kWriteAttributes = 0x100, kSynchronize = 0x100000;

SessionAction status_answer(uint16_t type, uint32_t status) {
  SessionAction a;
  a.kind = SessionAction::kAnswer;
  a.type = type;
  a.payload = status_payload(status);
  return a;
}

DurableState to_state(const mp::DurableInfo& i) {
  DurableState s;
  s.persistent_id = i.persistent_id;
  s.create_guid = i.create_guid;
  s.v2 = i.v2;
  s.persistent = i.persistent;
  s.timeout_ms = i.timeout_ms;
  s.uid = i.uid;
  s.user = i.user;
  s.domain = i.domain;
  s.share = i.share;
  s.path = i.path;
  s.dev = i.dev;
  s.ino = i.ino;
  s.access = i.access;
  s.share_access = i.share_access;
  s.create_options = i.create_options;
  s.oplock_level = i.oplock_level;
  s.is_dir = i.is_dir;
  s.position = i.position;
  s.client_guid = i.client_guid;
  s.lease_key = i.lease_key;
  s.lease_state = i.lease_state;
  s.lease_epoch = i.lease_epoch;
  s.lease_version = i.lease_version;
  return s;
}

mp::DurableInfo to_info(const DurableState& s) {
  mp::DurableInfo i;
  i.persistent_id = s.persistent_id;
  i.create_guid = s.create_guid;
  i.v2 = s.v2;
  i.persistent = s.persistent;
  i.timeout_ms = s.timeout_ms;
  i.uid = s.uid;
  i.user = s.user;
  i.domain = s.domain;
  i.share = s.share;
  i.path = s.path;
  i.dev = s.dev;
  i.ino = s.ino;
  i.access = s.access;
  i.share_access = s.share_access;
  i.create_options = s.create_options;
  i.oplock_level = s.oplock_level;
  i.is_dir = s.is_dir;
  i.position = s.position;
  i.client_guid = s.client_guid;
  i.lease_key = s.lease_key;
  i.lease_state = s.lease_state;
  i.lease_epoch = s.lease_epoch;
  i.lease_version = s.lease_version;
  return i;
}

// MS-SMB2 3.3.5.9.7 / 3.3.5.9.12: a leased handle comes back only with a
// lease context naming its key, on a connection of the same ClientGuid; a
// handle without a lease not with one.
uint32_t reclaim_lease_check(const DurableStore& store, const mp::DurableReclaim& r) {
  bool connected = false;
  const DurableState* e = store.find(r.persistent_id, &connected);
  if (!e || connected) return kStatusSuccess;  // reclaim() answers these
  const bool leased = e->oplock_level == kOplockLease;
  if (leased != r.with_lease) return kStatusObjectNameNotFound;
  if (leased && (e->client_guid != r.client_guid || e->lease_key != r.lease_key))
    return kStatusObjectNameNotFound;
  // The lease names one file: a leased handle's reconnect must name it too
  // (INVALID_PARAMETER, unlike an oplock's, where the name is ignored).
  if (leased && ascii_lower(e->path) != ascii_lower(r.name)) return kStatusInvalidParameter;
  return kStatusSuccess;
}

// The reclaimed open gets its oplock or lease back in the caching table (its
// session's entries went when the session ended); *st is updated with what
// was granted, which is what the reconnect answers.
void regrant_caching(uint64_t conn_id, uint64_t open_id, DurableState* st, CachingTable& caching,
                     std::vector<Notify>* notes) {
  mp::CachingOpen co;
  co.share.open_id = open_id;
  co.share.dev = st->dev;
  co.share.ino = st->ino;
  co.share.access = st->access;
  co.share.share_access = st->share_access;
  co.oplock = st->oplock_level;
  if (st->is_dir) co.flags |= mp::kCacheFlagDirectory;
  if (st->oplock_level == kOplockLease) {
    co.lease_version = st->lease_version ? st->lease_version : 1;
    co.lease_state = st->lease_state;
    co.client_guid = st->client_guid;
    co.lease_key = st->lease_key;
    co.epoch = (st->lease_epoch + 0xFFFF) & 0xFFFF;  // grant() counts one up
  }
  mp::CachingOpenAnswer a = caching.grant(conn_id, co, notes);
  if (a.status != kStatusSuccess) {
    st->oplock_level = kOplockNone;
    return;
  }
  st->oplock_level = a.oplock;
  if (a.oplock == kOplockLease) {
    st->lease_state = a.lease_state;
    st->lease_epoch = a.epoch;
  }
}

bool breaks_parked(const DurableState& d, const mp::ShareOpen& so, const mp::CachingOpen* co) {
  const bool violation = !compatible(d.access, d.share_access, so.access, so.share_access);
  if (d.oplock_level == kOplockBatch) {
    // Any open but an attribute-only one breaks a batch oplock.
    return (so.access & ~(kReadAttributes | kWriteAttributes | kSynchronize)) != 0;
  }
  if (d.oplock_level == kOplockLease) {
    if (is_stat_open(so.access)) return false;
    if (co && co->oplock == kOplockLease && co->lease_version && co->client_guid == d.client_guid &&
        co->lease_key == d.lease_key)
      return false;  // the client's own lease never breaks itself
    uint32_t remove = kLeaseW;
    if (violation) remove |= kLeaseH;
    if (co && (co->flags & mp::kCacheFlagOverwrite)) remove |= kLeaseR | kLeaseH;
    return (d.lease_state & remove) != 0;
  }
  return false;
}

// The open's share record passes to the parked owner under the handle's
// persistent id: the same open, so the file's delete-pending state stays.
void park_share_record(ShareModeTable& shares, uint64_t conn_id, uint64_t old_open_id,
                       const DurableState& st) {
  if (shares.move(conn_id, old_open_id, kParkedConn, st.persistent_id)) return;
  shares.open(kParkedConn, st.persistent_id, st.dev, st.ino, st.access, st.share_access);
}

}  // namespace

size_t durable_before_open(const ipc::Message& m, ShareModeTable& shares, DurableStore& store) {
  if (store.disconnected_count() == 0) return 0;
  std::optional<mp::CachingOpen> co;
  std::optional<mp::ShareOpen> so;
  if (m.type == mp::kCachingOpen) {
    co = mp::CachingOpen::decode(m.body());
    if (co) so = co->share;
  } else if (m.type == mp::kShareOpen) {
    so = mp::ShareOpen::decode(m.body());
  }
  if (!so) return 0;
  size_t n = 0;
  for (const DurableState& d : store.disconnected_on(so->dev, so->ino)) {
    if (!breaks_parked(d, *so, co ? &*co : nullptr)) continue;
    // The break would go to a client that is not there: the handle is
    // closed instead (MS-SMB2 3.3.4.6 / 3.3.4.7).
    if (!store.purge(d.persistent_id)) continue;
    shares.close(kParkedConn, d.persistent_id);
    LOG_I("durable handle %llx (%s) purged: another open breaks its caching",
          (unsigned long long)d.persistent_id, d.path.c_str());
    n++;
  }
  return n;
}

uint64_t file_dev(const struct stat& sb) {
  return (uint64_t(major(sb.st_dev)) << 32) | minor(sb.st_dev);
}

int64_t durable_now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool is_durable_frame(uint16_t type) {
  return type == mp::kDurablePark || type == mp::kDurableDrop || type == mp::kDurableReclaim ||
         type == mp::kDurableDisconnect;
}

SessionAction handle_durable_frame(uint64_t conn_id, const ipc::Message& m, ShareModeTable& shares,
                                   DurableStore& store, CachingTable& caching, int64_t now_ms,
                                   UniqueFd* answer_fd) {
  SessionAction violation;
  switch (m.type) {
    case mp::kDurablePark: {
      auto p = mp::DurablePark::decode(m.body());
      if (!p) return violation;
      // The fd must be the file the session's own share record names.
      uint64_t dev = 0, ino = 0;
      struct stat sb;
      if (!m.fd || !shares.file_of(conn_id, p->open_id, &dev, &ino) || dev != p->info.dev ||
          ino != p->info.ino || fstat(m.fd.get(), &sb) != 0 || file_dev(sb) != dev ||
          uint64_t(sb.st_ino) != ino)
        return status_answer(mp::kDurableParkAnswer, kStatusInvalidParameter);
      UniqueFd fd(dup(m.fd.get()));
      uint32_t st = store.park(conn_id, p->open_id, to_state(p->info), std::move(fd));
      LOG_D("connection %llu: durable park %llx -> 0x%08x", (unsigned long long)conn_id,
            (unsigned long long)p->info.persistent_id, st);
      return status_answer(mp::kDurableParkAnswer, st);
    }
    case mp::kDurableDrop: {
      if (m.fd) return violation;
      auto d = mp::DurableDrop::decode(m.body());
      if (!d) return violation;
      bool known = store.drop(conn_id, d->persistent_id);
      return status_answer(mp::kDurableDropAnswer, known ? kStatusSuccess : kStatusInvalidParameter);
    }
    case mp::kDurableDisconnect: {
      if (m.fd) return violation;
      auto d = mp::DurableDrop::decode(m.body());
      if (!d) return violation;
      DurableStore::Disconnected one;
      if (!store.disconnect_one(conn_id, d->persistent_id, now_ms, &one))
        return status_answer(mp::kDurableDisconnectAnswer, kStatusInvalidParameter);
      // As at the end of a session process: the share record goes to the
      // parked owner, the open's oplock or lease leaves the caching table.
      SessionAction a = status_answer(mp::kDurableDisconnectAnswer, kStatusSuccess);
      caching.close(conn_id, one.old_open_id, &a.notify);
      park_share_record(shares, conn_id, one.old_open_id, one.state);
      LOG_I("connection %llu: durable handle %llx (%s) disconnected, kept for %u ms",
            (unsigned long long)conn_id, (unsigned long long)one.state.persistent_id,
            one.state.path.c_str(), one.state.timeout_ms);
      return a;
    }
    case mp::kDurableReclaim: {
      if (m.fd) return violation;
      auto r = mp::DurableReclaim::decode(m.body());
      if (!r) return violation;
      durable_expire(shares, store, now_ms);
      mp::DurableReclaimAnswer ans;
      DurableState st;
      UniqueFd fd;
      std::vector<Notify> notes;
      ans.status = reclaim_lease_check(store, *r);
      if (ans.status == kStatusSuccess)
        ans.status = store.reclaim(r->persistent_id, r->create_guid, r->v2, r->uid, r->user, r->domain,
                                   conn_id, r->new_open_id, now_ms, &st, &fd);
      if (ans.status == kStatusSuccess) {
        // The share record moves from the parked owner to the new open.
        uint32_t s2 = shares.move(kParkedConn, st.persistent_id, conn_id, r->new_open_id)
                          ? kStatusSuccess
                          : shares.open(conn_id, r->new_open_id, st.dev, st.ino, st.access, st.share_access);
        if (s2 != kStatusSuccess) {
          LOG_W("durable reclaim %llx: share record: 0x%08x", (unsigned long long)st.persistent_id, s2);
          store.drop(conn_id, st.persistent_id);
          ans.status = s2;
          fd.reset();
        } else {
          regrant_caching(conn_id, r->new_open_id, &st, caching, &notes);
          ans.info = to_info(st);
          *answer_fd = std::move(fd);
        }
      }
      LOG_I("connection %llu: durable reclaim %llx -> 0x%08x", (unsigned long long)conn_id,
            (unsigned long long)r->persistent_id, ans.status);
      SessionAction a;
      a.kind = SessionAction::kAnswer;
      a.type = mp::kDurableReclaimAnswer;
      a.notify = std::move(notes);
      ByteWriter w(a.payload);
      ans.encode(w);
      return a;
    }
    default:
      return violation;
  }
}

size_t durable_on_disconnect(uint64_t conn_id, ShareModeTable& shares, DurableStore& store,
                             int64_t now_ms) {
  auto parked = store.disconnect(conn_id, now_ms);
  for (const auto& d : parked) {
    park_share_record(shares, conn_id, d.old_open_id, d.state);
    LOG_I("connection %llu: durable handle %llx (%s) kept for %u ms", (unsigned long long)conn_id,
          (unsigned long long)d.state.persistent_id, d.state.path.c_str(), d.state.timeout_ms);
  }
  return parked.size();
}

size_t durable_expire(ShareModeTable& shares, DurableStore& store, int64_t now_ms) {
  auto gone = store.expire(now_ms);
  for (const DurableState& s : gone) {
    shares.close(kParkedConn, s.persistent_id);
    LOG_I("durable handle %llx (%s) expired", (unsigned long long)s.persistent_id, s.path.c_str());
  }
  return gone.size();
}

}  // namespace cifsd::master
