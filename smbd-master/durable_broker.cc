#include "smbd-master/durable_broker.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "common/ipc/lock_proto.h"
#include "common/log/log.h"

namespace cifsd::master {

namespace mp = ipc::master;

namespace {

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
  return i;
}

}  // namespace

uint64_t file_dev(const struct stat& sb) {
  return (uint64_t(major(sb.st_dev)) << 32) | minor(sb.st_dev);
}

int64_t durable_now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool is_durable_frame(uint16_t type) {
  return type == mp::kDurablePark || type == mp::kDurableDrop || type == mp::kDurableReclaim;
}

SessionAction handle_durable_frame(uint64_t conn_id, const ipc::Message& m, ShareModeTable& shares,
                                   DurableStore& store, int64_t now_ms, UniqueFd* answer_fd) {
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
    case mp::kDurableReclaim: {
      if (m.fd) return violation;
      auto r = mp::DurableReclaim::decode(m.body());
      if (!r) return violation;
      durable_expire(shares, store, now_ms);
      mp::DurableReclaimAnswer ans;
      DurableState st;
      UniqueFd fd;
      ans.status = store.reclaim(r->persistent_id, r->create_guid, r->v2, r->uid, r->user, r->domain,
                                 conn_id, r->new_open_id, now_ms, &st, &fd);
      if (ans.status == kStatusSuccess) {
        // The share record moves from the parked owner to the new open.
        shares.close(kParkedConn, st.persistent_id);
        uint32_t s2 = shares.open(conn_id, r->new_open_id, st.dev, st.ino, st.access, st.share_access);
        if (s2 != kStatusSuccess) {
          LOG_W("durable reclaim %llx: share record: 0x%08x", (unsigned long long)st.persistent_id, s2);
          store.drop(conn_id, st.persistent_id);
          ans.status = s2;
          fd.reset();
        } else {
          ans.info = to_info(st);
          *answer_fd = std::move(fd);
        }
      }
      LOG_I("connection %llu: durable reclaim %llx -> 0x%08x", (unsigned long long)conn_id,
            (unsigned long long)r->persistent_id, ans.status);
      SessionAction a;
      a.kind = SessionAction::kAnswer;
      a.type = mp::kDurableReclaimAnswer;
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
    shares.close(conn_id, d.old_open_id);
    shares.open(kParkedConn, d.state.persistent_id, d.state.dev, d.state.ino, d.state.access,
                d.state.share_access);
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
