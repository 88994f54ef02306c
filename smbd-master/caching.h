#pragma once
// The broker's caching state (oplocks and leases, MS-SMB2 3.3.5.9,
// 3.3.4.6/3.3.4.7, 3.3.5.22; MS-FSA 2.1.4.12): per file, every open's oplock
// level and every lease (client guid + lease key, shared by that client's
// opens with the same key). Pure data structure: no I/O, times are passed in
// (milliseconds of a monotonic clock), notifications are returned to the
// caller, which delivers them. Unit-tested in tests/unit/master.
//
// An open that conflicts with cached state asks the holders to break and
// waits: check() returns true and records the opener as a waiter; whenever a
// break on that file resolves (acknowledged, holder closed, timed out), every
// waiter of the file gets a BreakResolved notification and retries its CREATE
// from scratch (the holders' state is lower by then, so the retry gets
// further). This keeps the broker free of half-done opens.
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "common/ipc/master_proto.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/share_modes.h"

namespace cifsd::master {

constexpr uint8_t kOplockNone = 0, kOplockII = 1, kOplockExclusive = 8, kOplockBatch = 9,
                  kOplockLease = 0xFF;
constexpr uint32_t kLeaseR = 1, kLeaseH = 2, kLeaseW = 4;
constexpr uint32_t kLeaseFlagBreakInProgress = 2;
constexpr uint32_t kBreakFlagAckRequired = 1;

constexpr uint32_t kStatusInvalidOplockProtocol = 0xC00000E3;
constexpr uint32_t kStatusInvalidDeviceState = 0xC0000184;
constexpr uint32_t kStatusUnsuccessful = 0xC0000001;
constexpr uint32_t kStatusRequestNotAccepted = 0xC00000D0;
constexpr uint32_t kStatusObjectNameNotFound = 0xC0000034;
constexpr uint32_t kStatusFileClosed = 0xC0000128;

// Opens for attributes / synchronize / read-control only: they neither break
// nor block caching (as Windows: Explorer's stat opens keep Office's leases).
bool is_stat_open(uint32_t access);

class CachingTable {
 public:
  using Guid = std::array<uint8_t, 16>;

  void set_break_timeout_ms(int64_t ms) { timeout_ms_ = ms; }
  int64_t break_timeout_ms() const { return timeout_ms_; }

  // Before the share-mode check: starts the breaks this open needs (returned
  // in `out`) and returns true if the opener must wait for them (it is then
  // recorded as a waiter under req.wait_id). Sets *status to an error for a
  // request that can never succeed (a lease key in use on another file).
  bool check(uint64_t conn, const ipc::master::CachingOpen& req, int64_t now_ms, uint32_t* status,
             std::vector<Notify>* out);
  // After the share-mode check passed: registers the open and grants what is
  // compatible with the other opens of the file.
  ipc::master::CachingOpenAnswer grant(uint64_t conn, const ipc::master::CachingOpen& req,
                                       std::vector<Notify>* out);
  // Forgets an open (CLOSE, or its session ended); wakes waiters if that
  // resolved a break.
  void close(uint64_t conn, uint64_t open_id, std::vector<Notify>* out);
  void drop_connection(uint64_t conn, std::vector<Notify>* out);

  ipc::master::LevelAnswer oplock_ack(uint64_t conn, uint64_t open_id, uint8_t level,
                                      std::vector<Notify>* out);
  ipc::master::LevelAnswer lease_ack(uint64_t conn, const Guid& client_guid, const Guid& key,
                                     uint32_t state, std::vector<Notify>* out);
  // An open wrote (or changed the size): other opens lose read caching.
  void wrote(uint64_t conn, uint64_t open_id, int64_t now_ms, std::vector<Notify>* out);

  // An open asks that the other leases of its file lose `remove` (a rename
  // breaks handle caching); nothing waits for the acknowledgments.
  void break_others(uint64_t conn, uint64_t open_id, uint32_t remove, int64_t now_ms,
                    std::vector<Notify>* out);

  // A directory's entries changed: its leases break to none, but the lease
  // (client_guid, parent_key) when has_parent (the changer's own directory
  // lease). Nothing waits for the acknowledgments.
  void dir_changed(const ipc::master::DirChanged& d, int64_t now_ms, std::vector<Notify>* out);

  // Breaks not acknowledged in time are resolved as MS-SMB2 3.3.6.1/3.3.6.5
  // say (oplock to none, lease to the break-to state).
  void expire(int64_t now_ms, std::vector<Notify>* out);
  // The earliest pending break deadline, or 0 if none.
  int64_t next_deadline() const;

  size_t open_count() const { return by_open_.size(); }
  size_t file_count() const { return files_.size(); }
  size_t lease_count() const { return lease_file_.size(); }
  size_t waiter_count() const;
  // For tests: the oplock level of an open, the state of a lease (-1: unknown).
  int oplock_of(uint64_t conn, uint64_t open_id) const;
  int lease_state_of(const Guid& client_guid, const Guid& key) const;
  bool breaking(uint64_t conn, uint64_t open_id) const;

 private:
  using FileKey = std::pair<uint64_t, uint64_t>;  // (dev, ino)
  using OpenKey = std::pair<uint64_t, uint64_t>;  // (conn_id, open_id)
  using LeaseId = std::pair<Guid, Guid>;          // (client guid, lease key)
  struct COpen {
    uint64_t conn = 0, open_id = 0;
    uint32_t access = 0, share = 0;
    bool stat = false;
    bool has_write = false;
    uint8_t oplock = kOplockNone;    // kOplockLease: see `lease`
    LeaseId lease{};
    bool breaking = false;           // waits for an acknowledgment
    bool unacked_break = false;      // a break that needs no ack was sent (an ack is still fine)
    uint8_t break_to = 0;
    int64_t deadline = 0;
  };
  struct Lease {
    LeaseId id{};
    uint64_t conn = 0;
    uint32_t state = 0, break_to = 0;
    bool breaking = false;
    uint32_t epoch = 0;
    uint8_t version = 1;
    int64_t deadline = 0;
  };
  struct Waiter {
    uint64_t conn = 0, wait_id = 0;
  };
  struct File {
    std::vector<COpen> opens;
    std::vector<Lease> leases;
    std::vector<Waiter> waiters;
  };

  static uint32_t oplock_bits(uint8_t level);
  Lease* find_lease(File& f, const LeaseId& id);
  void send_oplock_break(const COpen& o, uint8_t to, std::vector<Notify>* out);
  void send_lease_break(File& f, Lease& l, uint32_t to, int64_t now_ms, std::vector<Notify>* out);
  void wake(const FileKey& fk, File& f, std::vector<Notify>* out);
  void erase_if_empty(const FileKey& fk);

  int64_t timeout_ms_ = 35000;
  std::map<FileKey, File> files_;
  std::map<OpenKey, FileKey> by_open_;
  std::map<LeaseId, FileKey> lease_file_;
  std::set<std::pair<int64_t, FileKey>> deadlines_;  // may hold stale entries
  std::map<uint64_t, size_t> waiters_per_conn_;
};

// The session channel's oplock/lease messages (kCachingOpen, acks, the write
// notification); anything else is a violation. Called by handle_session_frame.
SessionAction handle_caching_frame(const SessionState& st, const ipc::Message& m,
                                   ShareModeTable& shares, CachingTable& caching, uint32_t max_opens,
                                   int64_t now_ms);

// The most CREATEs one connection may have waiting for breaks.
constexpr size_t kMaxWaitersPerConnection = 1024;

}  // namespace cifsd::master
