// SMB 3.1.1 POSIX extension encoders (smbd-session/posix/posix_ext.h): the
// wire mode, the create-context tail, FilePosixInformation, the class-100
// directory entry and FileFsPosixInformation, byte for byte.
#include <sys/stat.h>

#include <cstring>
#include <vector>

#include "smbd-session/negotiate.h"
#include "smbd-session/posix/posix_ext.h"

// cmocka last: its macros would clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::session;

namespace {

uint32_t le32(const std::vector<uint8_t>& b, size_t o) {
  return uint32_t(b[o]) | uint32_t(b[o + 1]) << 8 | uint32_t(b[o + 2]) << 16 | uint32_t(b[o + 3]) << 24;
}
uint64_t le64(const std::vector<uint8_t>& b, size_t o) { return le32(b, o) | uint64_t(le32(b, o + 4)) << 32; }

vfs::FileStat sample() {
  vfs::FileStat st;
  st.creation = 1, st.last_access = 2, st.last_write = 3, st.change = 4;
  st.size = 11, st.alloc = 4096, st.attrs = 0x20;
  st.ino = 0x1122334455667788ull, st.dev = 0x801;
  st.nlink = 2, st.mode = S_IFREG | 04751, st.uid = 1000, st.gid = 100;
  return st;
}

void test_wire_mode(void**) {
  assert_int_equal(posix::wire_mode(S_IFREG | 0644), 0644);
  assert_int_equal(posix::wire_mode(S_IFDIR | 0755), 0x1000 | 0755);
  assert_int_equal(posix::wire_mode(S_IFLNK | 0777), 0x2000 | 0777);
  assert_int_equal(posix::wire_mode(S_IFSOCK | 06700), 0x6000 | 06700);
  uint32_t m = 0;
  const uint8_t ok[4] = {0xED, 0x81, 0, 0};  // 0100755: the type bits are dropped
  assert_true(posix::requested_mode(Bytes(ok, 4), &m));
  assert_int_equal(m, 0755);
  assert_false(posix::requested_mode(Bytes(ok, 3), &m));
}

void test_file_info(void**) {
  std::vector<uint8_t> d;
  ByteWriter w(d);
  posix::put_file_info(w, sample());
  assert_int_equal(d.size(), 112);
  assert_int_equal(le64(d, 0), 1);
  assert_int_equal(le64(d, 24), 4);
  assert_int_equal(le64(d, 32), 11);      // EndOfFile before AllocationSize
  assert_int_equal(le64(d, 40), 4096);
  assert_int_equal(le32(d, 48), 0x20);
  assert_true(le64(d, 52) == 0x1122334455667788ull);
  assert_int_equal(le32(d, 60), 0x801);
  assert_int_equal(le32(d, 64), 0);
  assert_int_equal(le32(d, 68), 2);       // HardLinks
  assert_int_equal(le32(d, 72), 0);       // ReparseTag
  assert_int_equal(le32(d, 76), 04751);
  const uint8_t owner[16] = {1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0, 0xE8, 3, 0, 0};
  const uint8_t group[16] = {1, 2, 0, 0, 0, 0, 0, 22, 2, 0, 0, 0, 100, 0, 0, 0};
  assert_memory_equal(d.data() + 80, owner, 16);
  assert_memory_equal(d.data() + 96, group, 16);
}

void test_dir_entry(void**) {
  std::vector<uint8_t> d = {0xAA};  // appends after what is there
  size_t n = posix::encode_dir_entry(sample(), "ab", &d);
  assert_int_equal(n, posix::dir_entry_fixed_size() + 4);
  assert_int_equal(d.size(), 1 + n);
  assert_int_equal(le32(d, 1), 0);                        // NextEntryOffset
  assert_int_equal(le32(d, 1 + 8 + 76), 04751);           // Mode
  assert_int_equal(le32(d, 1 + 120), 4);                  // FileNameLength
  assert_int_equal(d[1 + 124], 'a');
  assert_int_equal(d[1 + 126], 'b');
}

void test_fs_info(void**) {
  struct statvfs sv;
  std::memset(&sv, 0, sizeof sv);
  sv.f_bsize = 4096, sv.f_frsize = 1024, sv.f_blocks = 10, sv.f_bfree = 7, sv.f_bavail = 6;
  sv.f_files = 100, sv.f_ffree = 90, sv.f_fsid = 0x55;
  std::vector<uint8_t> d;
  ByteWriter w(d);
  posix::put_fs_info(w, sv);
  assert_int_equal(d.size(), posix::kFsInfoSize);
  assert_int_equal(le32(d, 0), 4096);
  assert_int_equal(le32(d, 4), 1024);
  assert_int_equal(le64(d, 8), 10);
  assert_int_equal(le64(d, 16), 7);
  assert_int_equal(le64(d, 24), 6);
  assert_int_equal(le64(d, 32), 100);
  assert_int_equal(le64(d, 40), 90);
  assert_int_equal(le64(d, 48), 0x55);
}

// A 3.1.1 NEGOTIATE carrying the preauth context and then the POSIX
// context with `tag`; returns whether the parser saw our extensions.
bool negotiate_with(const uint8_t* tag, size_t n) {
  std::vector<uint8_t> m(64 + 40, 0);
  ByteWriter w(m);
  w.u16(1);  // preauth
  w.u16(38);
  w.u32(0);
  w.u16(1);
  w.u16(32);
  w.u16(1);
  w.zeros(32);
  while (m.size() % 8) w.u8(0);
  w.u16(posix::kNegotiateContextType);
  w.u16(uint16_t(n));
  w.u32(0);
  w.raw(tag, n);
  NegotiateContexts ctx;
  assert_int_equal(parse_negotiate_contexts(Bytes(m.data(), m.size()), 104, 2, &ctx), status::kSuccess);
  return ctx.posix;
}

void test_negotiate_context(void**) {
  Bytes t = posix::tag();
  assert_true(negotiate_with(t.data(), t.size()));
  uint8_t other[16];
  std::memcpy(other, t.data(), 16);
  other[15] ^= 1;
  assert_false(negotiate_with(other, 16));
  assert_false(negotiate_with(t.data(), 8));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wire_mode),   cmocka_unit_test(test_file_info),
      cmocka_unit_test(test_dir_entry),   cmocka_unit_test(test_fs_info),
      cmocka_unit_test(test_negotiate_context),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
