#pragma once
// Windows last-write-time and change-time semantics on top of Linux
// mtime/ctime, as smbtorture's smb2.timestamps suite checks them (and as
// Windows Server up to 2016 behaves):
//
//  - A write does not move the write time at once. The first write after
//    open schedules an update 2 seconds later ("delayed write time"); until
//    then queries report the time from before the write. Later writes on an
//    inode whose update already happened do not move it again; the close of
//    the last handle that wrote sets it to the time of the close.
//  - FLUSH, SET_INFO end-of-file and SET_INFO basic (even with all fields
//    0) apply a pending update at once (the time of that request).
//  - A write time set explicitly with SET_INFO basic is "sticky": writes
//    and closes no longer change it while any handle that touched it is
//    open. -1 freezes the current value the same way, -2 thaws it.
//  - A ChangeTime set with SET_INFO basic is reported as long as the
//    inode's ctime has not moved since (Linux cannot set ctime). This is
//    kept in the session process: another connection sees the real ctime.
//
// State lives in this process only (one process per client connection),
// keyed by (dev, ino); reads of the state are one hash lookup when a file
// has any, and nothing when the table is empty.
#include <cstdint>

#include "smbd-session/vfs/vfs.h"

namespace cifsd::session::vfs::wtime {

constexpr uint64_t kFreeze = ~0ull;      // SET_INFO basic time -1
constexpr uint64_t kThaw = ~0ull - 1;    // SET_INFO basic time -2

// Before data is written through handle `h` (a per-connection unique id).
void before_write(uint64_t h, int fd, uint64_t dev, uint64_t ino);
// FLUSH / SET_INFO end-of-file / the start of SET_INFO basic: a pending or
// deferred write-time update is applied now.
void flush_pending(uint64_t h, int fd, uint64_t dev, uint64_t ino);
// After SET_INFO basic applied its times: records sticky/frozen write time
// and a client-set change time. `write_ft` / `change_ft` are the request's
// values (0 = not given, kFreeze, kThaw or a time).
void after_set_basic(uint64_t h, int fd, uint64_t dev, uint64_t ino, uint64_t write_ft, uint64_t change_ft);
// When handle `h` closes (before the close's final stat).
void on_close(uint64_t h, int fd, uint64_t dev, uint64_t ino);
// Replaces the reported last_write / change of `st` where state says so.
// Called by every stat of vfs.cc.
void apply(FileStat* st);

// For unit tests: the monotonic clock in nanoseconds (nullptr = real).
void set_monotonic_clock_for_test(int64_t (*now)());
// Number of inodes with state (tests, leak checks).
size_t tracked_count();

}  // namespace cifsd::session::vfs::wtime
