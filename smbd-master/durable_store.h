#pragma once
// Durable handles parked in the broker (MS-SMB2 3.3.5.9.6-3.3.5.9.12,
// docs/state.md "Durable and persistent handles"). A session parks each open
// as soon as it becomes durable: its state plus a duplicate of its fd
// (SCM_RIGHTS). While the session lives the entry is "connected" and costs
// nothing else; when the session process ends (even by kill -9) the entry
// becomes "disconnected" and waits `timeout` for a reconnect (DHnC/DH2C) by
// the same user, after which it is closed. Pure data structure apart from
// owning the fds; unit-tested in tests/unit/master.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/util/unique_fd.h"

namespace cifsd::master {

struct DurableState {
  uint64_t persistent_id = 0;
  std::array<uint8_t, 16> create_guid{};
  bool v2 = false;
  bool persistent = false;
  uint32_t timeout_ms = 0;
  // The owner: the authenticated user of the session that opened it.
  uint32_t uid = 0;
  std::string user, domain;
  // What the reconnecting session needs to rebuild the open.
  std::string share, path;
  uint64_t dev = 0, ino = 0;
  uint32_t access = 0, share_access = 0, create_options = 0;
  uint8_t oplock_level = 0;
  bool is_dir = false;
  uint64_t position = 0;
  // A lease (oplock_level 0xFF): the owner's ClientGuid and key, what it held.
  std::array<uint8_t, 16> client_guid{}, lease_key{};
  uint32_t lease_state = 0, lease_epoch = 0;
  uint8_t lease_version = 0;
};

class DurableStore {
 public:
  explicit DurableStore(size_t max_per_connection = 4096) : max_per_conn_(max_per_connection) {}

  // A session parks (or re-parks, same persistent id) one of its opens.
  // kStatusSuccess, or an error (too many; the id belongs to someone else).
  uint32_t park(uint64_t conn_id, uint64_t open_id, DurableState st, UniqueFd fd);
  // The open closed normally: forget it. False if unknown for this session.
  bool drop(uint64_t conn_id, uint64_t persistent_id);

  struct Disconnected {
    uint64_t old_open_id = 0;
    DurableState state;
  };
  // The session process ended: its entries wait for a reconnect until
  // now + timeout. Returns them (the caller keeps their share records).
  std::vector<Disconnected> disconnect(uint64_t conn_id, int64_t now_ms);
  // One handle of a living session becomes disconnected (its session was
  // replaced by a reconnect). False if it is not that session's.
  bool disconnect_one(uint64_t conn_id, uint64_t persistent_id, int64_t now_ms, Disconnected* out);

  // A reconnect (DHnC / DH2C) by session `conn_id` for a new open
  // `new_open_id`. On success *out and *fd are the parked handle and the
  // entry belongs to the new session (connected again).
  // Errors: kStatusObjectNameNotFound (no such handle, v1/v2 or create GUID
  // mismatch, still connected, expired), kStatusAccessDenied (another user).
  uint32_t reclaim(uint64_t persistent_id, const std::array<uint8_t, 16>& create_guid, bool v2,
                   uint32_t uid, const std::string& user, const std::string& domain,
                   uint64_t conn_id, uint64_t new_open_id, int64_t now_ms, DurableState* out,
                   UniqueFd* fd);

  // The entry of a handle (null if unknown); *connected: its session holds it.
  const DurableState* find(uint64_t persistent_id, bool* connected) const;
  // Disconnected handles of one file (for purging on a conflicting open).
  std::vector<DurableState> disconnected_on(uint64_t dev, uint64_t ino) const;
  // Closes a disconnected handle at once (another client's open broke its
  // caching: MS-SMB2 3.3.4.6/3.3.4.7 close instead of a break). False if
  // unknown or connected.
  bool purge(uint64_t persistent_id);

  // Disconnected entries whose time ran out: removed and returned (the fds
  // close with them), so the caller drops their share records.
  std::vector<DurableState> expire(int64_t now_ms);
  // The earliest expiry of a disconnected entry, if any.
  std::optional<int64_t> next_expiry() const;

  size_t size() const { return entries_.size(); }
  size_t disconnected_count() const;

 private:
  struct Entry {
    uint64_t conn_id = 0;  // 0 while disconnected
    uint64_t open_id = 0;
    int64_t expires_at_ms = 0;
    DurableState state;
    UniqueFd fd;
  };
  size_t max_per_conn_;
  std::map<uint64_t, Entry> entries_;  // by persistent id
};

}  // namespace cifsd::master
