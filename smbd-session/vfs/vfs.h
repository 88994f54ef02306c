#pragma once
// The file-system side of the file commands: every lookup below the share
// root goes through openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS [|
// RESOLVE_NO_SYMLINKS]), never through open() on a composed path, so no name
// from the wire (nor a symlink planted in the share) can reach outside it.
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/config/config.h"
#include "common/smb/ntstatus.h"
#include "common/util/unique_fd.h"

namespace cifsd::session::vfs {

// Own xattr holding the DOS attributes a client set (FILE_ATTRIBUTE_* as a
// little-endian u32), optionally followed by a client-set creation time
// (FILETIME, little-endian u64). Read and written only when
// "store dos attributes = yes".
constexpr const char* kDosAttribXattr = "user.cifsd.dosattrib";

// Attributes a client may store (the rest are derived from the inode).
// READONLY HIDDEN SYSTEM ARCHIVE TEMPORARY OFFLINE: the set Windows keeps.
constexpr uint32_t kStorableAttrs = 0x1 | 0x2 | 0x4 | 0x20 | 0x100 | 0x1000;
// Attribute bits a client may never pass (VOLUME, DEVICE, INTEGRITY_STREAM
// and everything above 0x8000): INVALID_PARAMETER.
constexpr uint32_t kInvalidAttrs = 0xFFFF8048;
constexpr uint32_t kAttrTemporary = 0x100;

// openat2 below `root`. `path` is share-relative ("" = the root itself).
// Returns the fd or -1 with errno set (EXDEV/ELOOP for escapes).
int open_beneath(int root, std::string_view path, int flags, mode_t mode, bool follow_symlinks);

// Maps errno of a lookup to NTSTATUS: escapes and refused symlinks become
// ACCESS_DENIED, ENOTDIR in the middle of a path OBJECT_PATH_NOT_FOUND.
NtStatus lookup_status(int err);

// Finds the on-disk spelling of `path`: exact first, then component by
// component with a case-insensitive scan (getdents64) of each directory.
// Vetoed names are never matched. On success *actual is the path to use;
// *exists is false if only the last component is missing (a create target).
// A missing intermediate directory gives OBJECT_PATH_NOT_FOUND.
NtStatus resolve_path(int root, std::string_view path, const ShareConfig& share,
                      std::string* actual, bool* exists);

struct FileStat {
  uint64_t creation = 0, last_access = 0, last_write = 0, change = 0;  // FILETIME
  uint64_t size = 0, alloc = 0;
  uint64_t dev = 0, ino = 0;
  uint32_t nlink = 0;
  uint32_t mode = 0, uid = 0, gid = 0;
  uint32_t attrs = 0;          // FILE_ATTRIBUTE_*
  // HIDDEN is in attrs only by "hide dot files" / "hide files" (not stored).
  bool hidden_by_name = false;
  bool is_dir = false;
  bool is_regular = false;
};

uint64_t unix_to_filetime(int64_t sec, uint32_t nsec);
// FILETIME to timespec; false for values that are not a time (0, -1, -2).
bool filetime_to_timespec(uint64_t ft, struct timespec* ts);

// statx + DOS attributes of an open fd (O_PATH fds work). `name` is the
// leaf name (for "hide dot files"); "" for the share root.
NtStatus stat_fd(int fd, const ShareConfig& share, std::string_view name, FileStat* st);
// The (dev, ino) the broker knows an object by (dev as FileStat::dev encodes
// it), from any fd, O_PATH ones too. False if statx fails.
bool file_key(int fd, uint64_t* dev, uint64_t* ino);
// Same for a directory entry; used by QUERY_DIRECTORY.
NtStatus stat_at(int dirfd, std::string_view name, const ShareConfig& share, FileStat* st);

// DOS attributes: from the xattr when present, else derived.
uint32_t dos_attributes(int fd, const struct statx& sx, const ShareConfig& share, std::string_view name);
// Stores the client-settable part. Returns 0 or an errno.
int store_dos_attributes(int fd, uint32_t attrs);
// Sets or clears FILE_ATTRIBUTE_SPARSE_FILE in the stored attributes
// (FSCTL_SET_SPARSE). Returns 0 or an errno.
int store_sparse_flag(int fd, bool sparse);
// Stores a client-set creation time (reported instead of the birth time).
int store_creation_time(int fd, uint64_t filetime, bool is_dir);

// Maximal access of the caller (the current fs identity) to an object:
// faccessat2(AT_EACCESS) for r/w/x, owner rights for the owner, DELETE from
// the parent directory. `parent` may be -1 (the share root: no DELETE).
uint32_t maximal_access(int fd, const FileStat& st, int parent, uint32_t uid, bool writable_tree);

// GENERIC_* to specific file rights (MS-SMB2 2.2.13.1.1 / MS-DTYP).
uint32_t map_generic(uint32_t access);

}  // namespace cifsd::session::vfs
