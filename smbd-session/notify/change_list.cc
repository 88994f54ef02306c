#include "smbd-session/notify/change_list.h"

#include <sys/inotify.h>

#include <set>

#include "common/util/utf16.h"
#include "common/wire/writer.h"

namespace cifsd::session::notify {
namespace {

constexpr uint32_t kModifiedByWrite = kChangeSize | kChangeLastWrite;
constexpr uint32_t kModifiedByAttrib = kChangeAttributes | kChangeLastWrite | kChangeLastAccess |
                                       kChangeCreation | kChangeEa | kChangeSecurity;

uint32_t name_filter(uint32_t mask) { return (mask & IN_ISDIR) ? kChangeDirName : kChangeFileName; }

}  // namespace

std::vector<Change> translate(const std::vector<Event>& batch, uint32_t filter) {
  std::vector<Change> out;
  std::set<std::string> added;  // names this batch created
  std::set<size_t> paired_to;   // IN_MOVED_TO events consumed by a pair
  for (size_t i = 0; i < batch.size(); i++) {
    const Event& e = batch[i];
    if (e.name.empty()) continue;  // events about the watched directory itself
    bool names = (filter & name_filter(e.mask)) != 0;
    if (e.mask & IN_CREATE) {
      added.insert(e.name);
      if (names) out.push_back({kActionAdded, e.name});
    } else if (e.mask & IN_DELETE) {
      if (names) out.push_back({kActionRemoved, e.name});
    } else if (e.mask & IN_MOVED_FROM) {
      size_t to = batch.size();
      for (size_t j = i + 1; j < batch.size(); j++)
        if ((batch[j].mask & IN_MOVED_TO) && batch[j].cookie == e.cookie && !batch[j].name.empty()) {
          to = j;
          break;
        }
      if (to < batch.size()) {
        paired_to.insert(to);
        if (names) {
          out.push_back({kActionRenamedOld, e.name});
          out.push_back({kActionRenamedNew, batch[to].name});
        }
      } else if (names) {
        out.push_back({kActionRemoved, e.name});  // moved out of the watched tree
      }
    } else if (e.mask & IN_MOVED_TO) {
      if (!paired_to.count(i) && names) out.push_back({kActionAdded, e.name});
    } else if (e.mask & IN_MODIFY) {
      if (filter & kModifiedByWrite) out.push_back({kActionModified, e.name});
    } else if (e.mask & IN_ATTRIB) {
      if ((filter & kModifiedByAttrib) && !added.count(e.name)) out.push_back({kActionModified, e.name});
    }
  }
  return out;
}

uint32_t entry_size(const Change& c) {
  uint32_t n = 12 + uint32_t(utf8_to_utf16le(c.name).size());
  return (n + 3) & ~3u;
}

std::vector<uint8_t> encode(const std::vector<Change>& changes) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  for (size_t i = 0; i < changes.size(); i++) {
    size_t at = out.size();
    std::vector<uint8_t> name = utf8_to_utf16le(changes[i].name);
    w.u32(0);  // NextEntryOffset, patched below
    w.u32(changes[i].action);
    w.u32(uint32_t(name.size()));
    w.bytes({name.data(), name.size()});
    if (i + 1 < changes.size()) {
      while ((out.size() - at) % 4) w.u8(0);
      w.patch_u32(at, uint32_t(out.size() - at));
    }
  }
  return out;
}

void ChangeBuffer::add(const std::vector<Change>& changes) {
  for (const Change& c : changes) {
    if (overflowed_) return;
    if (!changes_.empty() && changes_.back() == c) continue;
    uint32_t size = entry_size(c);
    if (uint64_t(bytes_) + size > capacity_) {
      // Lost changes: the client must re-read the directory.
      overflowed_ = true;
      changes_.clear();
      bytes_ = 0;
      return;
    }
    changes_.push_back(c);
    bytes_ += size;
  }
}

NtStatus ChangeBuffer::take(uint32_t max_out, std::vector<uint8_t>* out) {
  out->clear();
  NtStatus st = status::kNotifyEnumDir;
  if (!overflowed_ && bytes_ <= max_out) {
    *out = encode(changes_);
    st = status::kSuccess;
  }
  changes_.clear();
  bytes_ = 0;
  overflowed_ = false;
  return st;
}

}  // namespace cifsd::session::notify
