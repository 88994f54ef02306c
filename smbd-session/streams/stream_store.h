#pragma once
// Named streams kept in extended attributes of the file or directory they
// belong to (naming scheme in stream_name.h). Every call takes an fd of the
// base object; O_PATH fds work (the xattr calls then go through the fd's
// /proc/self/fd link, as the DOS-attribute store does). The caller runs as
// the user's fs identity, so the kernel checks the rights: reading a stream
// needs read permission on the file, changing one needs write permission.
//
// Size limit: a stream is one xattr value, so it holds at most
// kMaxStreamSize bytes (XATTR_SIZE_MAX), and less where the file system
// caps xattr space (ext4 without ea_inode: about one block for all xattrs of
// an inode). Writes beyond what the file system accepts fail with ENOSPC or
// E2BIG, which the handlers answer with STATUS_DISK_FULL.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/wire/reader.h"

namespace cifsd::session::streams {

constexpr size_t kMaxStreamSize = 65536;

struct StreamEntry {
  std::string name;    // as stored (the spelling that created it)
  uint64_t size = 0;
};

// All named streams of the object. Returns 0 or an errno (ENOTSUP when the
// file system has no user xattrs: then there are simply none).
int list_streams(int fd, std::vector<StreamEntry>* out);
// Finds `name` case-insensitively; *stored gets the on-disk spelling.
// Returns 0, ENOENT, or another errno.
int find_stream(int fd, std::string_view name, std::string* stored, uint64_t* size = nullptr);
int read_stream(int fd, std::string_view stored, std::vector<uint8_t>* data);
// create_only: fail with EEXIST if it exists (XATTR_CREATE).
int write_stream(int fd, std::string_view stored, Bytes data, bool create_only = false);
int remove_stream(int fd, std::string_view stored);
// Removes every named stream (overwrite/supersede of the file). Returns the
// first error, or 0.
int remove_all_streams(int fd);

}  // namespace cifsd::session::streams
