#pragma once
// The pure part of CHANGE_NOTIFY (MS-SMB2 3.3.5.19, MS-FSCC 2.4.42, MS-FSA
// 2.1.4.x "notify change"): what an inotify event means for a watch with a
// given CompletionFilter, the change buffer kept per open between requests
// (Windows buffers changes from the first request on, in a buffer sized by
// that first request; when it overflows, the next answer is
// STATUS_NOTIFY_ENUM_DIR), and the FILE_NOTIFY_INFORMATION encoding.
// No I/O: unit-tested in tests/unit/session/notify_test.cc.
#include <cstdint>
#include <string>
#include <vector>

#include "common/smb/ntstatus.h"

namespace cifsd::session::notify {

// FILE_ACTION_* (MS-FSCC 2.4.42)
constexpr uint32_t kActionAdded = 1, kActionRemoved = 2, kActionModified = 3,
                   kActionRenamedOld = 4, kActionRenamedNew = 5;

// FILE_NOTIFY_CHANGE_* (MS-SMB2 2.2.35)
constexpr uint32_t kChangeFileName = 0x001, kChangeDirName = 0x002, kChangeAttributes = 0x004,
                   kChangeSize = 0x008, kChangeLastWrite = 0x010, kChangeLastAccess = 0x020,
                   kChangeCreation = 0x040, kChangeEa = 0x080, kChangeSecurity = 0x100,
                   kChangeStreamName = 0x200, kChangeStreamSize = 0x400, kChangeStreamWrite = 0x800;
constexpr uint32_t kChangeAll = 0xFFF;

struct Change {
  uint32_t action = 0;
  std::string name;  // relative to the watched directory, '\\'-separated, UTF-8
  bool operator==(const Change&) const = default;
};

// One inotify event, already reduced to what matters here.
struct Event {
  uint32_t mask = 0;     // IN_* bits
  uint32_t cookie = 0;   // pairs IN_MOVED_FROM with IN_MOVED_TO
  std::string name;      // relative to the watched directory, '\\'-separated
};

// Turns one read's worth of inotify events into changes that pass `filter`:
// create/delete/moves become ADDED/REMOVED/RENAMED_* (FILE_NAME or DIR_NAME
// by the object's type), a move pair within the batch becomes OLD/NEW name,
// content writes and attribute/xattr changes become MODIFIED (SIZE,
// LAST_WRITE, ATTRIBUTES, ...). The attribute writes a create itself makes
// (our DOS attributes and times) are not separate changes, as on Windows.
std::vector<Change> translate(const std::vector<Event>& batch, uint32_t filter);

// The changes waiting on one open between CHANGE_NOTIFY requests.
class ChangeBuffer {
 public:
  // The first request fixes the capacity (bytes of FILE_NOTIFY_INFORMATION).
  void set_capacity(uint32_t bytes) { capacity_ = bytes; }
  uint32_t capacity() const { return capacity_; }
  // Adds changes; a repeat of the last change (same action and name) is
  // merged; beyond the capacity the buffer only remembers that it overflowed.
  void add(const std::vector<Change>& changes);
  // Changes were lost elsewhere (the kernel's queue overflowed).
  void mark_overflow() {
    overflowed_ = true;
    changes_.clear();
    bytes_ = 0;
  }
  bool empty() const { return changes_.empty() && !overflowed_; }
  // Answers a request whose output buffer holds `max_out` bytes: STATUS_SUCCESS
  // with the encoded list, or STATUS_NOTIFY_ENUM_DIR (empty output) when the
  // changes do not fit or were lost. Empties the buffer.
  NtStatus take(uint32_t max_out, std::vector<uint8_t>* out);

 private:
  std::vector<Change> changes_;
  uint32_t bytes_ = 0;
  uint32_t capacity_ = 0;
  bool overflowed_ = false;
};

// Encoded size of one FILE_NOTIFY_INFORMATION entry, padded to 4 bytes.
uint32_t entry_size(const Change& c);
// FILE_NOTIFY_INFORMATION list (NextEntryOffset chain, 4-byte aligned).
std::vector<uint8_t> encode(const std::vector<Change>& changes);

}  // namespace cifsd::session::notify
