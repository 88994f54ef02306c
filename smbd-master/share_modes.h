#pragma once
// The broker's share-mode table (MS-FSA 2.1.5.1.2, "check sharing access"):
// every open of a file across all sessions, keyed by the file's (dev, ino).
// Pure data structure: no I/O, unit-tested in tests/unit/master.
#include <cstddef>
#include <cstdint>
#include <map>
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
  // Forgets one open; false if it was not registered.
  bool close(uint64_t conn_id, uint64_t open_id);
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
  FileKey last_file_{0, 0};
};

}  // namespace cifsd::master
