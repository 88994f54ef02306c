#pragma once
// The broker's share-mode table (MS-FSA 2.1.5.1.2, "check sharing access"):
// every open of a file across all sessions, keyed by the file's (dev, ino).
// Pure data structure: no I/O, unit-tested in tests/unit/master.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace cifsd::master {

// Access-mask bits that take part in share-mode checks (MS-SMB2 2.2.13.1.1).
constexpr uint32_t kFileReadData = 0x0001, kFileWriteData = 0x0002, kFileAppendData = 0x0004,
                   kFileExecute = 0x0020, kDelete = 0x00010000;
constexpr uint32_t kGenericAll = 0x10000000, kGenericExecute = 0x20000000,
                   kGenericWrite = 0x40000000, kGenericRead = 0x80000000;
constexpr uint32_t kShareRead = 1, kShareWrite = 2, kShareDelete = 4;

constexpr uint32_t kStatusSuccess = 0;
constexpr uint32_t kStatusSharingViolation = 0xC0000043;
constexpr uint32_t kStatusInvalidParameter = 0xC000000D;
constexpr uint32_t kStatusDeletePending = 0xC0000056;

struct OpenRecord {
  uint64_t conn_id = 0;
  uint64_t open_id = 0;
  uint32_t access = 0;
  uint32_t share_access = 0;
};

// True if `a` and `b` may be open on the same file at the same time.
bool compatible(uint32_t a_access, uint32_t a_share, uint32_t b_access, uint32_t b_share);

class ShareModeTable {
 public:
  // Registers an open; returns kStatusSuccess, kStatusSharingViolation, or
  // kStatusInvalidParameter when (conn_id, open_id) is already registered.
  uint32_t open(uint64_t conn_id, uint64_t open_id, uint64_t dev, uint64_t ino, uint32_t access,
                uint32_t share_access);
  // Forgets one open; false if it was not registered. *delete_now (when
  // given) says whether this was the last open of a delete-pending file:
  // the closer then removes the file (MS-FSA 2.1.5.4, last cleanup).
  bool close(uint64_t conn_id, uint64_t open_id, bool* delete_now = nullptr);
  // The open passes to another owner with its access and share mode (a
  // durable handle parked at disconnect, taken back at reconnect): not a
  // new open, so no share-mode or delete-pending check, and the file's
  // delete-pending state stays. False if `from` is unknown or `to` taken.
  bool move(uint64_t from_conn, uint64_t from_open, uint64_t to_conn, uint64_t to_open);
  // Delete pending (MS-FSA Link.IsDeleted): set by SET_INFO disposition or
  // by the close of a delete-on-close open, cleared by a disposition of
  // FALSE; while set, open() refuses new opens of the file with
  // kStatusDeletePending. False if the open is unknown.
  bool set_delete_pending(uint64_t conn_id, uint64_t open_id, bool pending);
  bool delete_pending(uint64_t dev, uint64_t ino) const { return pending_.count({dev, ino}) != 0; }
  // Forgets every open of a connection (its session process ended).
  size_t drop_connection(uint64_t conn_id);

  size_t open_count() const { return by_open_.size(); }
  size_t file_count() const { return files_.size(); }
  size_t opens_of(uint64_t dev, uint64_t ino) const;
  size_t opens_of_connection(uint64_t conn_id) const;
  // The file an open is registered on (false if the open is unknown).
  bool file_of(uint64_t conn_id, uint64_t open_id, uint64_t* dev, uint64_t* ino) const;
  // Every connection with an open of the file, once each.
  std::vector<uint64_t> connections_of(uint64_t dev, uint64_t ino) const;
  // How many opens of the file one connection has.
  size_t opens_of_connection_on(uint64_t conn_id, uint64_t dev, uint64_t ino) const;
  // The file of the most recently registered open ({0,0} before any).
  std::pair<uint64_t, uint64_t> last_opened_file() const { return last_file_; }

 private:
  using FileKey = std::pair<uint64_t, uint64_t>;  // (dev, ino)
  using OpenKey = std::pair<uint64_t, uint64_t>;  // (conn_id, open_id)
  std::map<FileKey, std::vector<OpenRecord>> files_;
  std::map<OpenKey, FileKey> by_open_;
  std::map<uint64_t, size_t> per_conn_;  // open count per connection
  std::set<FileKey> pending_;            // delete pending; only files with opens
  FileKey last_file_{0, 0};
};

}  // namespace cifsd::master
