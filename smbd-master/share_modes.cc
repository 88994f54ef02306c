#include "smbd-master/share_modes.h"

#include <algorithm>

namespace cifsd::master {
namespace {

// The session passes the granted (already mapped) access; generic bits are
// folded in anyway so a careless caller cannot dodge the check with them.
uint32_t normalize(uint32_t access) {
  if (access & kGenericAll) access |= kFileReadData | kFileWriteData | kFileAppendData |
                                      kFileExecute | kDelete;
  if (access & kGenericRead) access |= kFileReadData;
  if (access & kGenericWrite) access |= kFileWriteData | kFileAppendData;
  if (access & kGenericExecute) access |= kFileExecute;
  return access;
}

constexpr uint32_t kReadish = kFileReadData | kFileExecute;
constexpr uint32_t kWriteish = kFileWriteData | kFileAppendData;
constexpr uint32_t kDataAccess = kReadish | kWriteish | kDelete;

// Does an open holding `access` forbid another open that shares only `share`?
bool blocks(uint32_t access, uint32_t share) {
  if ((access & kReadish) && !(share & kShareRead)) return true;
  if ((access & kWriteish) && !(share & kShareWrite)) return true;
  if ((access & kDelete) && !(share & kShareDelete)) return true;
  return false;
}

}  // namespace

bool compatible(uint32_t a_access, uint32_t a_share, uint32_t b_access, uint32_t b_share) {
  a_access = normalize(a_access);
  b_access = normalize(b_access);
  // Opens for attributes, synchronize or read-control only neither check nor
  // count in share modes (MS-FSA 2.1.5.1.2.1; Windows keeps no share record).
  if (!(a_access & kDataAccess) || !(b_access & kDataAccess)) return true;
  return !blocks(a_access, b_share) && !blocks(b_access, a_share);
}

uint32_t ShareModeTable::open(uint64_t conn_id, uint64_t open_id, uint64_t dev, uint64_t ino,
                              uint32_t access, uint32_t share_access) {
  OpenKey ok{conn_id, open_id};
  if (by_open_.count(ok)) return kStatusInvalidParameter;
  FileKey fk{dev, ino};
  // A delete-pending file refuses every new open before share modes are
  // looked at (MS-FSA 2.1.5.1.2), and before any oplock break.
  if (pending_.count(fk)) return kStatusDeletePending;
  auto it = files_.find(fk);
  if (it != files_.end()) {
    for (const OpenRecord& r : it->second)
      if (!compatible(r.access, r.share_access, access, share_access))
        return kStatusSharingViolation;
  }
  files_[fk].push_back({conn_id, open_id, access, share_access});
  by_open_.emplace(ok, fk);
  last_file_ = fk;
  per_conn_[conn_id]++;
  return kStatusSuccess;
}

bool ShareModeTable::close(uint64_t conn_id, uint64_t open_id, bool* delete_now) {
  if (delete_now) *delete_now = false;
  auto it = by_open_.find({conn_id, open_id});
  if (it == by_open_.end()) return false;
  auto f = files_.find(it->second);
  if (f != files_.end()) {
    auto& v = f->second;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const OpenRecord& r) {
                             return r.conn_id == conn_id && r.open_id == open_id;
                           }),
            v.end());
    if (v.empty()) {
      bool was_pending = pending_.erase(f->first) != 0;
      if (delete_now) *delete_now = was_pending;
      files_.erase(f);
    }
  }
  by_open_.erase(it);
  auto pc = per_conn_.find(conn_id);
  if (pc != per_conn_.end() && --pc->second == 0) per_conn_.erase(pc);
  return true;
}

bool ShareModeTable::move(uint64_t from_conn, uint64_t from_open, uint64_t to_conn, uint64_t to_open) {
  auto it = by_open_.find({from_conn, from_open});
  if (it == by_open_.end() || by_open_.count({to_conn, to_open})) return false;
  FileKey fk = it->second;
  for (OpenRecord& r : files_[fk])
    if (r.conn_id == from_conn && r.open_id == from_open) {
      r.conn_id = to_conn;
      r.open_id = to_open;
    }
  by_open_.erase(it);
  by_open_.emplace(OpenKey{to_conn, to_open}, fk);
  auto pc = per_conn_.find(from_conn);
  if (pc != per_conn_.end() && --pc->second == 0) per_conn_.erase(pc);
  per_conn_[to_conn]++;
  return true;
}

bool ShareModeTable::set_delete_pending(uint64_t conn_id, uint64_t open_id, bool pending) {
  auto it = by_open_.find({conn_id, open_id});
  if (it == by_open_.end()) return false;
  if (pending) pending_.insert(it->second);
  else pending_.erase(it->second);
  return true;
}

size_t ShareModeTable::drop_connection(uint64_t conn_id) {
  size_t n = 0;
  auto it = by_open_.lower_bound({conn_id, 0});
  std::vector<uint64_t> ids;
  for (; it != by_open_.end() && it->first.first == conn_id; ++it) ids.push_back(it->first.second);
  for (uint64_t id : ids) n += close(conn_id, id) ? 1 : 0;
  return n;
}

size_t ShareModeTable::opens_of_connection(uint64_t conn_id) const {
  auto it = per_conn_.find(conn_id);
  return it == per_conn_.end() ? 0 : it->second;
}

size_t ShareModeTable::opens_of(uint64_t dev, uint64_t ino) const {
  auto it = files_.find({dev, ino});
  return it == files_.end() ? 0 : it->second.size();
}

bool ShareModeTable::file_of(uint64_t conn_id, uint64_t open_id, uint64_t* dev, uint64_t* ino) const {
  auto it = by_open_.find({conn_id, open_id});
  if (it == by_open_.end()) return false;
  *dev = it->second.first;
  *ino = it->second.second;
  return true;
}

std::vector<uint64_t> ShareModeTable::connections_of(uint64_t dev, uint64_t ino) const {
  std::vector<uint64_t> out;
  auto it = files_.find({dev, ino});
  if (it == files_.end()) return out;
  for (const OpenRecord& r : it->second)
    if (std::find(out.begin(), out.end(), r.conn_id) == out.end()) out.push_back(r.conn_id);
  return out;
}

size_t ShareModeTable::opens_of_connection_on(uint64_t conn_id, uint64_t dev, uint64_t ino) const {
  auto it = files_.find({dev, ino});
  if (it == files_.end()) return 0;
  return size_t(std::count_if(it->second.begin(), it->second.end(),
                              [&](const OpenRecord& r) { return r.conn_id == conn_id; }));
}

}  // namespace cifsd::master
