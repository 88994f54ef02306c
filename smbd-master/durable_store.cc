#include "smbd-master/durable_store.h"

#include "smbd-master/byte_locks.h"
#include "smbd-master/share_modes.h"

namespace cifsd::master {

namespace {
constexpr uint32_t kStatusObjectNameNotFound = 0xC0000034;
constexpr uint32_t kStatusAccessDenied = 0xC0000022;
}  // namespace

uint32_t DurableStore::park(uint64_t conn_id, uint64_t open_id, DurableState st, UniqueFd fd) {
  auto it = entries_.find(st.persistent_id);
  if (it != entries_.end()) {
    // Re-parking updates an entry of the same session only.
    if (it->second.conn_id != conn_id) return kStatusInvalidParameter;
    it->second.open_id = open_id;
    it->second.state = std::move(st);
    if (fd) it->second.fd = std::move(fd);
    return kStatusSuccess;
  }
  if (!fd) return kStatusInvalidParameter;
  size_t mine = 0;
  for (const auto& [id, e] : entries_) mine += e.conn_id == conn_id;
  if (mine >= max_per_conn_) return kStatusInsufficientResources;
  Entry e;
  e.conn_id = conn_id;
  e.open_id = open_id;
  e.state = std::move(st);
  e.fd = std::move(fd);
  uint64_t id = e.state.persistent_id;
  entries_.emplace(id, std::move(e));
  return kStatusSuccess;
}

bool DurableStore::drop(uint64_t conn_id, uint64_t persistent_id) {
  auto it = entries_.find(persistent_id);
  if (it == entries_.end() || it->second.conn_id != conn_id) return false;
  entries_.erase(it);
  return true;
}

std::vector<DurableStore::Disconnected> DurableStore::disconnect(uint64_t conn_id, int64_t now_ms) {
  std::vector<Disconnected> out;
  for (auto& [id, e] : entries_) {
    if (e.conn_id != conn_id) continue;
    e.conn_id = 0;
    e.expires_at_ms = now_ms + int64_t(e.state.timeout_ms);
    out.push_back({e.open_id, e.state});
  }
  return out;
}

bool DurableStore::disconnect_one(uint64_t conn_id, uint64_t persistent_id, int64_t now_ms,
                                  Disconnected* out) {
  auto it = entries_.find(persistent_id);
  if (it == entries_.end() || it->second.conn_id == 0 || it->second.conn_id != conn_id) return false;
  Entry& e = it->second;
  e.conn_id = 0;
  e.expires_at_ms = now_ms + int64_t(e.state.timeout_ms);
  *out = {e.open_id, e.state};
  return true;
}

uint32_t DurableStore::reclaim(uint64_t persistent_id, const std::array<uint8_t, 16>& create_guid, bool v2,
                               uint32_t uid, const std::string& user, const std::string& domain,
                               uint64_t conn_id, uint64_t new_open_id, int64_t now_ms, DurableState* out,
                               UniqueFd* fd) {
  auto it = entries_.find(persistent_id);
  if (it == entries_.end()) return kStatusObjectNameNotFound;
  Entry& e = it->second;
  if (e.conn_id != 0) return kStatusObjectNameNotFound;  // its session still holds it
  if (e.expires_at_ms <= now_ms) return kStatusObjectNameNotFound;
  // A v2 reconnect (DH2C) must name the handle's create GUID (3.3.5.9.12; a
  // v1 handle's is zero). A v1 reconnect (DHnC) names none, and 3.3.5.9.7
  // takes back any durable handle by its id: Windows lets a v1 reconnect
  // reclaim a v2 handle (smbtorture durable-v2-open.reopen2b).
  if (v2 && e.state.create_guid != create_guid) return kStatusObjectNameNotFound;
  // MS-SMB2 3.3.5.9.7/3.3.5.9.12: only the user that opened it.
  if (e.state.uid != uid || e.state.user != user || e.state.domain != domain) return kStatusAccessDenied;
  UniqueFd copy(dup(e.fd.get()));
  if (!copy) return kStatusInsufficientResources;
  e.conn_id = conn_id;
  e.open_id = new_open_id;
  e.expires_at_ms = 0;
  *out = e.state;
  *fd = std::move(copy);
  return kStatusSuccess;
}

const DurableState* DurableStore::find(uint64_t persistent_id, bool* connected) const {
  auto it = entries_.find(persistent_id);
  if (it == entries_.end()) return nullptr;
  if (connected) *connected = it->second.conn_id != 0;
  return &it->second.state;
}

std::vector<DurableState> DurableStore::disconnected_on(uint64_t dev, uint64_t ino) const {
  std::vector<DurableState> out;
  for (const auto& [id, e] : entries_)
    if (e.conn_id == 0 && e.state.dev == dev && e.state.ino == ino) out.push_back(e.state);
  return out;
}

bool DurableStore::purge(uint64_t persistent_id) {
  auto it = entries_.find(persistent_id);
  if (it == entries_.end() || it->second.conn_id != 0) return false;
  entries_.erase(it);
  return true;
}

std::vector<DurableState> DurableStore::expire(int64_t now_ms) {
  std::vector<DurableState> out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.conn_id == 0 && it->second.expires_at_ms <= now_ms) {
      out.push_back(it->second.state);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::optional<int64_t> DurableStore::next_expiry() const {
  std::optional<int64_t> n;
  for (const auto& [id, e] : entries_)
    if (e.conn_id == 0 && (!n || e.expires_at_ms < *n)) n = e.expires_at_ms;
  return n;
}

size_t DurableStore::disconnected_count() const {
  size_t n = 0;
  for (const auto& [id, e] : entries_) n += e.conn_id == 0;
  return n;
}

}  // namespace cifsd::master
