// File-system semantics units: the EA list codec, QUERY_ALLOCATED_RANGES
// (encoder and the
// SEEK_DATA/SEEK_HOLE walk over a real file with holes) and the Windows
// write-time / change-time state machine (vfs/write_time.h) with a fake
// monotonic clock over a real file.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "smbd-session/info/ea.h"
#include "smbd-session/vfs/alloc_ranges.h"
#include "smbd-session/vfs/write_time.h"

// cmocka last: its macros would clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::session;

// vfs.cc is not linked (it pulls in the whole lookup layer); write_time.cc
// only needs the two FILETIME conversions.
namespace cifsd::session::vfs {
uint64_t unix_to_filetime(int64_t sec, uint32_t nsec) {
  return uint64_t(sec + 11644473600ll) * 10000000ull + nsec / 100;
}
bool filetime_to_timespec(uint64_t ft, struct timespec* ts) {
  if (ft == 0 || ft == ~0ull || ft == ~0ull - 1) return false;
  ts->tv_sec = time_t(int64_t(ft / 10000000ull) - 11644473600ll);
  ts->tv_nsec = long((ft % 10000000ull) * 100);
  return true;
}
}  // namespace cifsd::session::vfs

namespace {

uint64_t rd64(const std::vector<uint8_t>& v, size_t at) {
  uint64_t x = 0;
  for (int i = 0; i < 8; i++) x |= uint64_t(v[at + i]) << (8 * i);
  return x;
}

std::string temp_file(int* fd) {
  const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  std::string p = std::string(dir) + "/cifsd_fsinfo_XXXXXX";
  *fd = mkstemp(p.data());
  assert_true(*fd >= 0);
  return p;
}

void encode_ranges(void**) {
  std::vector<uint8_t> out;
  std::vector<vfs::AllocatedRange> none;
  // No ranges: success even with no room at all.
  assert_int_equal(vfs::encode_allocated_ranges(none, 0, &out), status::kSuccess);
  assert_int_equal(out.size(), 0);
  std::vector<vfs::AllocatedRange> r = {{0, 4096}, {65536, 100}, {1 << 20, 1}};
  assert_int_equal(vfs::encode_allocated_ranges(r, 0, &out), status::kBufferTooSmall);
  assert_int_equal(vfs::encode_allocated_ranges(r, 15, &out), status::kBufferTooSmall);
  assert_int_equal(vfs::encode_allocated_ranges(r, 40, &out), status::kBufferOverflow);
  assert_int_equal(out.size(), 32);
  assert_int_equal(rd64(out, 16), 65536);
  assert_int_equal(rd64(out, 24), 100);
  assert_int_equal(vfs::encode_allocated_ranges(r, 48, &out), status::kSuccess);
  assert_int_equal(out.size(), 48);
  assert_int_equal(rd64(out, 32), 1 << 20);
  assert_int_equal(rd64(out, 40), 1);
}

void data_ranges_with_holes(void**) {
  int fd;
  std::string p = temp_file(&fd);
  std::vector<uint8_t> data(1 << 20, 0xAB);
  assert_int_equal(pwrite(fd, data.data(), data.size(), 0), ssize_t(data.size()));
  std::vector<vfs::AllocatedRange> r;
  assert_int_equal(vfs::data_ranges(fd, 0, 1 << 20, &r), status::kSuccess);
  assert_int_equal(r.size(), 1);
  assert_int_equal(r[0].offset, 0);
  assert_int_equal(r[0].length, 1 << 20);
  // Clipped to the asked window.
  r.clear();
  assert_int_equal(vfs::data_ranges(fd, 1, 100, &r), status::kSuccess);
  assert_int_equal(r.size(), 1);
  assert_int_equal(r[0].offset, 1);
  assert_int_equal(r[0].length, 99);
  // Two 64 KiB holes: three data ranges.
  bool punched = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 65536, 65536) == 0 &&
                 fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 262144, 65536) == 0;
  if (punched) {
    r.clear();
    assert_int_equal(vfs::data_ranges(fd, 0, 1 << 20, &r), status::kSuccess);
    assert_int_equal(r.size(), 3);
    assert_int_equal(r[0].offset, 0);
    assert_int_equal(r[0].length, 65536);
    assert_int_equal(r[1].offset, 131072);
    assert_int_equal(r[1].length, 131072);
    assert_int_equal(r[2].offset, 327680);
    assert_int_equal(r[2].length, (1 << 20) - 327680);
    // A window inside a hole has no data.
    r.clear();
    assert_int_equal(vfs::data_ranges(fd, 65536 + 10, 131072, &r), status::kSuccess);
    assert_int_equal(r.size(), 0);
  }
  close(fd);
  unlink(p.c_str());
}

int64_t g_now = 0;
int64_t fake_clock() { return g_now; }

struct TimeFile {
  int fd;
  std::string path;
  uint64_t dev, ino;
  TimeFile() {
    path = temp_file(&fd);
    struct stat sb;
    fstat(fd, &sb);
    dev = sb.st_dev;
    ino = sb.st_ino;
    // A known old mtime, so "unchanged" and "now" differ.
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
    futimens(fd, ts);
  }
  ~TimeFile() {
    close(fd);
    unlink(path.c_str());
  }
  // What a stat of vfs.cc would report.
  vfs::FileStat stat() const {
    struct statx sx;
    statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx);
    vfs::FileStat st;
    st.dev = dev;
    st.ino = ino;
    st.last_write = vfs::unix_to_filetime(sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec);
    st.change = vfs::unix_to_filetime(sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec);
    vfs::wtime::apply(&st);
    return st;
  }
  uint64_t kernel_mtime() const {
    struct stat sb;
    fstat(fd, &sb);
    return vfs::unix_to_filetime(sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
  }
  void write() const { assert_int_equal(pwrite(fd, "x", 1, 0), 1); }
};

const uint64_t kOld = vfs::unix_to_filetime(1000000000, 0);

void delayed_write_time(void**) {
  vfs::wtime::set_monotonic_clock_for_test(fake_clock);
  g_now = 1'000'000'000;
  TimeFile f;
  // First write: the reported time stays until 2 s have passed.
  vfs::wtime::before_write(1, f.fd, f.dev, f.ino);
  f.write();
  assert_true(f.kernel_mtime() != kOld);
  assert_true(f.stat().last_write == kOld);
  g_now += 1'999'999'999;
  assert_true(f.stat().last_write == kOld);
  g_now += 1;
  uint64_t updated = f.stat().last_write;
  assert_true(updated > kOld);
  // A second write does not move it again ...
  g_now += 3'000'000'000ll;
  vfs::wtime::before_write(1, f.fd, f.dev, f.ino);
  struct timespec later[2] = {{UTIME_OMIT, UTIME_OMIT}, {2000000000, 0}};
  futimens(f.fd, later);  // stands for the kernel's update on the write
  assert_true(f.stat().last_write == updated);
  // ... until the last handle closes.
  vfs::wtime::on_close(1, f.fd, f.dev, f.ino);
  assert_int_equal(vfs::wtime::tracked_count(), 0);
  assert_true(f.stat().last_write > updated);
}

void flush_applies_pending(void**) {
  vfs::wtime::set_monotonic_clock_for_test(fake_clock);
  TimeFile f;
  vfs::wtime::before_write(7, f.fd, f.dev, f.ino);
  f.write();
  assert_true(f.stat().last_write == kOld);
  vfs::wtime::flush_pending(7, f.fd, f.dev, f.ino);
  uint64_t flushed = f.stat().last_write;
  assert_true(flushed > kOld);
  // Nothing written since: the close keeps the flushed time.
  vfs::wtime::on_close(7, f.fd, f.dev, f.ino);
  assert_true(f.stat().last_write == flushed);
  assert_int_equal(vfs::wtime::tracked_count(), 0);
}

void sticky_write_time(void**) {
  vfs::wtime::set_monotonic_clock_for_test(fake_clock);
  TimeFile f;
  const uint64_t set = vfs::unix_to_filetime(1500000000, 0);
  vfs::wtime::before_write(1, f.fd, f.dev, f.ino);
  f.write();
  // Handle 2 sets the time explicitly (set_basic did the utimensat).
  struct timespec ts[2] = {{UTIME_OMIT, UTIME_OMIT}, {1500000000, 0}};
  futimens(f.fd, ts);
  vfs::wtime::after_set_basic(2, f.fd, f.dev, f.ino, set, 0);
  vfs::wtime::on_close(2, f.fd, f.dev, f.ino);
  // Writes through handle 1 no longer move it, nor does its close.
  vfs::wtime::before_write(1, f.fd, f.dev, f.ino);
  f.write();
  assert_true(f.stat().last_write == set);
  vfs::wtime::on_close(1, f.fd, f.dev, f.ino);
  assert_true(f.kernel_mtime() == set);
  assert_int_equal(vfs::wtime::tracked_count(), 0);
}

void freeze_and_thaw(void**) {
  vfs::wtime::set_monotonic_clock_for_test(fake_clock);
  TimeFile f;
  vfs::wtime::after_set_basic(3, f.fd, f.dev, f.ino, vfs::wtime::kFreeze, 0);
  vfs::wtime::before_write(3, f.fd, f.dev, f.ino);
  f.write();
  g_now += 10'000'000'000ll;
  assert_true(f.stat().last_write == kOld);
  vfs::wtime::after_set_basic(3, f.fd, f.dev, f.ino, vfs::wtime::kThaw, 0);
  vfs::wtime::on_close(3, f.fd, f.dev, f.ino);
  assert_int_equal(vfs::wtime::tracked_count(), 0);
}

void change_time_override(void**) {
  TimeFile f;
  const uint64_t want = vfs::unix_to_filetime(-1, 0);
  vfs::wtime::after_set_basic(4, f.fd, f.dev, f.ino, 0, want);
  assert_true(f.stat().change == want);
  assert_true(f.stat().change == want);  // stable across queries
  // Any change of the inode makes its ctime count again.
  assert_int_equal(fchmod(f.fd, 0640), 0);
  assert_true(f.stat().change != want);
  vfs::wtime::on_close(4, f.fd, f.dev, f.ino);
}

std::vector<uint8_t> ea_entry(uint32_t next, uint8_t flags, const std::string& name, const std::string& val) {
  std::vector<uint8_t> e = {uint8_t(next), uint8_t(next >> 8), uint8_t(next >> 16), uint8_t(next >> 24), flags,
                            uint8_t(name.size()), uint8_t(val.size()), uint8_t(val.size() >> 8)};
  e.insert(e.end(), name.begin(), name.end());
  e.push_back(0);
  e.insert(e.end(), val.begin(), val.end());
  return e;
}

void ea_codec(void**) {
  // Two entries: "Attr1"="hello" (8+5+1+5 = 19, padded to 20), "B"="".
  std::vector<uint8_t> buf = ea_entry(20, 0x80, "Attr1", "hello");
  buf.push_back(0);
  std::vector<uint8_t> second = ea_entry(0, 0, "B", "");
  buf.insert(buf.end(), second.begin(), second.end());
  std::vector<info::Ea> eas;
  assert_int_equal(info::parse_full_ea_list(Bytes(buf.data(), buf.size()), &eas), status::kSuccess);
  assert_int_equal(eas.size(), 2);
  assert_string_equal(eas[0].name.c_str(), "Attr1");
  assert_int_equal(eas[0].flags, 0x80);
  assert_int_equal(eas[0].value.size(), 5);
  assert_true(eas[1].value.empty());
  assert_int_equal(info::ea_list_size(eas), 20 + 10);
  std::vector<uint8_t> out;
  assert_int_equal(info::encode_full_ea_list(eas, 1000, false, &out), status::kSuccess);
  assert_true(out == buf);
  // Room for the first entry only; none at all; single entry asked.
  assert_int_equal(info::encode_full_ea_list(eas, 25, false, &out), status::kBufferOverflow);
  assert_int_equal(out.size(), 19);
  assert_int_equal(info::encode_full_ea_list(eas, 10, false, &out), status::kBufferTooSmall);
  assert_int_equal(info::encode_full_ea_list(eas, 1000, true, &out), status::kSuccess);
  assert_int_equal(out.size(), 19);
  // Layout errors: offset not a multiple of 4, too short, past the end,
  // missing NUL; a bad character in a name.
  std::vector<uint8_t> bad = buf;
  bad[0] = 18;
  assert_int_equal(info::parse_full_ea_list(Bytes(bad.data(), bad.size()), &eas), info::kStatusEaListInconsistent);
  bad[0] = 16;
  assert_int_equal(info::parse_full_ea_list(Bytes(bad.data(), bad.size()), &eas), info::kStatusEaListInconsistent);
  bad[0] = 64;
  assert_int_equal(info::parse_full_ea_list(Bytes(bad.data(), bad.size()), &eas), info::kStatusEaListInconsistent);
  bad = buf;
  bad[8 + 5] = 'x';
  assert_int_equal(info::parse_full_ea_list(Bytes(bad.data(), bad.size()), &eas), info::kStatusEaListInconsistent);
  std::vector<uint8_t> star = ea_entry(0, 0, "a*b", "v");
  assert_int_equal(info::parse_full_ea_list(Bytes(star.data(), star.size()), &eas), info::kStatusInvalidEaName);
  assert_int_equal(info::parse_full_ea_list(Bytes(), &eas), info::kStatusEaListInconsistent);
  // GET list.
  std::vector<uint8_t> get = {0, 0, 0, 0, 4, 'N', 'A', 'M', 'E', 0};
  std::vector<std::string> names;
  assert_int_equal(info::parse_get_ea_list(Bytes(get.data(), get.size()), &names), status::kSuccess);
  assert_int_equal(names.size(), 1);
  assert_string_equal(names[0].c_str(), "NAME");
  get[4] = 9;
  assert_int_equal(info::parse_get_ea_list(Bytes(get.data(), get.size()), &names), info::kStatusEaListInconsistent);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ea_codec),
      cmocka_unit_test(encode_ranges),
      cmocka_unit_test(data_ranges_with_holes),
      cmocka_unit_test(delayed_write_time),
      cmocka_unit_test(flush_applies_pending),
      cmocka_unit_test(sticky_write_time),
      cmocka_unit_test(freeze_and_thaw),
      cmocka_unit_test(change_time_override),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
