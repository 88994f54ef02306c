// Info-class encoders (sizes, alignment, field positions), the CREATE
// request / create-context parser on malformed input, SET_INFO parsers.
#include <cstring>
#include <vector>

#include "common/util/utf16.h"
#include "common/wire/writer.h"
#include "smbd-session/info/create_parse.h"
#include "smbd-session/info/encode.h"
#include "smbd-session/info/setinfo_parse.h"

// cmocka last: its "skip"/"fail" macros would clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::session;
using namespace cifsd::session::info;

namespace {

vfs::FileStat sample() {
  vfs::FileStat st;
  st.creation = 1;
  st.last_access = 2;
  st.last_write = 3;
  st.change = 4;
  st.size = 1000;
  st.alloc = 4096;
  st.ino = 0x1122334455667788ull;
  st.nlink = 2;
  st.attrs = 0x20;
  return st;
}

uint32_t rd32(const std::vector<uint8_t>& v, size_t at) {
  return uint32_t(v[at]) | uint32_t(v[at + 1]) << 8 | uint32_t(v[at + 2]) << 16 | uint32_t(v[at + 3]) << 24;
}
uint64_t rd64(const std::vector<uint8_t>& v, size_t at) { return rd32(v, at) | uint64_t(rd32(v, at + 4)) << 32; }

void test_file_info_sizes(void**) {
  vfs::FileStat st = sample();
  OpenView v;
  v.st = &st;
  v.access = 0x12019F;
  v.wire_path = "\\dir\\f";
  struct { uint8_t cls; size_t size; } cases[] = {
      {kFileBasicInformation, 40}, {kFileStandardInformation, 24}, {kFileInternalInformation, 8},
      {kFileEaInformation, 4}, {kFileAccessInformation, 4}, {kFilePositionInformation, 8},
      {kFileModeInformation, 4}, {kFileAlignmentInformation, 4}, {kFileCompressionInformation, 16},
      {kFileNetworkOpenInformation, 56}, {kFileAttributeTagInformation, 8},
  };
  for (auto& c : cases) {
    std::vector<uint8_t> out;
    size_t fixed = 0;
    assert_int_equal(encode_file_info(c.cls, v, &out, &fixed), status::kSuccess);
    assert_int_equal(out.size(), c.size);
    assert_int_equal(fixed, c.size);
  }
  std::vector<uint8_t> all;
  size_t fixed = 0;
  assert_int_equal(encode_file_info(kFileAllInformation, v, &all, &fixed), status::kSuccess);
  assert_int_equal(fixed, 104);                 // Windows counts one padded WCHAR
  assert_int_equal(all.size(), 100 + 12);       // "\dir\f" in UTF-16
  assert_int_equal(rd32(all, 96), 12);
  assert_int_equal(rd64(all, 64), st.ino);      // InternalInformation inside All
  assert_int_equal(rd32(all, 76), v.access);    // AccessFlags
  assert_int_equal(rd32(all, 32), 0x20);        // attributes in Basic
  std::vector<uint8_t> streams;
  assert_int_equal(encode_file_info(kFileStreamInformation, v, &streams, &fixed), status::kSuccess);
  assert_int_equal(streams.size(), 24 + 14);
  assert_int_equal(rd32(streams, 4), 14);
  st.is_dir = true;
  streams.clear();
  assert_int_equal(encode_file_info(kFileStreamInformation, v, &streams, &fixed), status::kSuccess);
  assert_int_equal(streams.size(), 0);
  std::vector<uint8_t> x;
  assert_int_equal(encode_file_info(kFileAlternateNameInformation, v, &x, &fixed), status::kSuccess);
  assert_int_equal(x.size(), 4 + 2);            // "f" is its own 8.3 name
  v.wire_path = "\\dir\\a long name.txt";
  x.clear();
  // A generated short name (mangle/short_name.h): "ALO~XXXX.TXT", 12 characters
  assert_int_equal(encode_file_info(kFileAlternateNameInformation, v, &x, &fixed), status::kSuccess);
  assert_int_equal(x.size(), 4 + 24);
  v.mangled_names = false;  // "mangled names = no": none, as Windows without 8.3 names
  assert_int_equal(encode_file_info(kFileAlternateNameInformation, v, &x, &fixed),
                   status::kObjectNameNotFound);
  v.mangled_names = true;
  assert_true(is_8dot3("README.TXT"));
  assert_true(is_8dot3("f"));
  assert_false(is_8dot3("toolongname.txt"));
  assert_false(is_8dot3("a.b.c"));
  assert_false(is_8dot3("a b"));
  assert_false(is_8dot3("x.html"));
  assert_int_equal(encode_file_info(99, v, &x, &fixed), status::kInvalidInfoClass);
}

void test_dir_entries(void**) {
  vfs::FileStat st = sample();
  struct { uint8_t cls; size_t fixed; size_t name_off; } cases[] = {
      {kFileDirectoryInformation, 64, 64}, {kFileFullDirectoryInformation, 68, 68},
      {kFileBothDirectoryInformation, 94, 94}, {kFileNamesInformation, 12, 12},
      {kFileIdBothDirectoryInformation, 104, 104}, {kFileIdFullDirectoryInformation, 80, 80},
  };
  for (auto& c : cases) {
    assert_int_equal(dir_entry_fixed_size(c.cls), c.fixed);
    std::vector<uint8_t> out;
    size_t n = encode_dir_entry(c.cls, st, "ab", &out);
    assert_int_equal(n, c.fixed + 4);
    assert_int_equal(out[c.name_off], 'a');
    assert_int_equal(out[c.name_off + 2], 'b');
  }
  std::vector<uint8_t> idb;
  encode_dir_entry(kFileIdBothDirectoryInformation, st, "x", &idb);
  assert_int_equal(rd64(idb, 96), st.ino);
  assert_int_equal(rd32(idb, 60), 2);           // FileNameLength
  assert_int_equal(dir_entry_fixed_size(99), 0);
}

void test_fs_info(void**) {
  FsView v;
  v.blocks = 100;
  v.bavail = 10;
  v.bfree = 20;
  v.label = "share";
  struct { uint8_t cls; size_t size; } cases[] = {
      {kFsSize, 24}, {kFsDevice, 8}, {kFsControl, 48}, {kFsFullSize, 32}, {kFsObjectId, 64}, {kFsSectorSize, 28},
  };
  for (auto& c : cases) {
    std::vector<uint8_t> out;
    size_t fixed = 0;
    assert_int_equal(encode_fs_info(c.cls, v, &out, &fixed), status::kSuccess);
    assert_int_equal(out.size(), c.size);
  }
  std::vector<uint8_t> attr;
  size_t fixed = 0;
  assert_int_equal(encode_fs_info(kFsAttribute, v, &attr, &fixed), status::kSuccess);
  assert_int_equal(fixed, 16);
  assert_int_equal(attr.size(), 12 + 8);  // "NTFS"
  std::vector<uint8_t> vol;
  assert_int_equal(encode_fs_info(kFsVolume, v, &vol, &fixed), status::kSuccess);
  assert_int_equal(fixed, 24);
  assert_int_equal(vol.size(), 18 + 10);
  std::vector<uint8_t> full;
  encode_fs_info(kFsFullSize, v, &full, &fixed);
  assert_int_equal(rd32(full, 24), 8);    // 4096 / 512 sectors per unit
  assert_int_equal(rd64(full, 8), 10);
}

void test_security_descriptor(void**) {
  std::vector<uint8_t> sd = posix_security_descriptor(1000, 100, 0640, false, 7);
  assert_int_equal(sd[0], 1);
  assert_int_equal(sd[2] | sd[3] << 8, 0x8004);
  uint32_t owner = rd32(sd, 4), group = rd32(sd, 8), dacl = rd32(sd, 16);
  assert_int_equal(owner, 20);
  assert_int_equal(sd[owner + 7], 22);          // S-1-22
  assert_int_equal(rd32(sd, owner + 8), 1);
  assert_int_equal(rd32(sd, owner + 12), 1000);
  assert_int_equal(rd32(sd, group + 12), 100);
  assert_int_equal(sd[dacl], 2);
  size_t acl_size = sd[dacl + 2] | sd[dacl + 3] << 8;
  assert_int_equal(dacl + acl_size, sd.size());
  assert_int_equal(sd[dacl + 4], 3);            // three ACEs
  uint32_t world_mask = rd32(sd, dacl + 8 + 24 + 24 + 4);
  assert_int_equal(world_mask & 0x2, 0);        // "other" gets no write for 0640
  uint32_t owner_mask = rd32(sd, dacl + 8 + 4);
  assert_true(owner_mask & 0x2);
  std::vector<uint8_t> only_owner = posix_security_descriptor(1, 2, 0, true, 1);
  assert_int_equal(only_owner.size(), 20 + 16);
  assert_int_equal(rd32(only_owner, 16), 0);
}

// Builds a PDU: 64-byte header, 56-byte CREATE fixed part, name, contexts.
struct Pdu {
  std::vector<uint8_t> b;
  Bytes body() const { return Bytes(b.data() + 64, b.size() - 64); }
  Bytes all() const { return Bytes(b.data(), b.size()); }
};
Pdu make_create(const std::string& name, const std::vector<uint8_t>& ctx, int name_off = -1,
                int ctx_off = -1, int ctx_len = -1) {
  Pdu p;
  ByteWriter w(p.b);
  w.zeros(64);
  std::vector<uint8_t> n = utf8_to_utf16le(name);
  w.u16(57);
  w.u8(0);
  w.u8(0);
  w.u32(2);
  w.u64(0);
  w.u64(0);
  w.u32(0x80);
  w.u32(0);
  w.u32(7);
  w.u32(1);
  w.u32(0);
  size_t noff = 120;
  size_t coff = ctx.empty() ? 0 : (noff + n.size() + 7) / 8 * 8;
  w.u16(uint16_t(name_off >= 0 ? name_off : int(noff)));
  w.u16(uint16_t(n.size()));
  w.u32(uint32_t(ctx_off >= 0 ? ctx_off : int(coff)));
  w.u32(uint32_t(ctx_len >= 0 ? ctx_len : int(ctx.size())));
  w.bytes(n);
  if (!ctx.empty()) {
    w.align(8);
    w.bytes(ctx);
  }
  if (p.b.size() == 120) w.u8(0);
  return p;
}

std::vector<uint8_t> ctx_entry(const char* name, size_t data_len, uint32_t next = 0,
                               uint16_t data_off = 24) {
  std::vector<uint8_t> v;
  ByteWriter w(v);
  w.u32(next);
  w.u16(16);
  w.u16(uint16_t(strlen(name)));
  w.u16(0);
  w.u16(data_len ? data_off : 0);
  w.u32(uint32_t(data_len));
  w.str(name);
  w.align(8);
  w.zeros(data_len);
  return v;
}

void test_create_parse_ok(void**) {
  std::vector<uint8_t> ctx = ctx_entry("MxAc", 0, 24);
  ctx.resize(24, 0);
  std::vector<uint8_t> q = ctx_entry("QFid", 0);
  ctx.insert(ctx.end(), q.begin(), q.end());
  Pdu p = make_create("dir\\file", ctx);
  CreateRequest cr;
  assert_int_equal(parse_create_request(p.all(), p.body(), &cr), status::kSuccess);
  assert_int_equal(cr.name.size(), 16);
  assert_int_equal(cr.contexts.size(), 2);
  assert_non_null(cr.find("MxAc"));
  assert_non_null(cr.find("QFid"));
  assert_null(cr.find("DHnQ"));
  assert_int_equal(cr.share_access, 7);
  assert_int_equal(cr.disposition, 1);
  Pdu root = make_create("", {});
  assert_int_equal(parse_create_request(root.all(), root.body(), &cr), status::kSuccess);
  assert_int_equal(cr.name.size(), 0);
}

void test_create_parse_malformed(void**) {
  CreateRequest cr;
  // Name past the end / inside the fixed part.
  Pdu p = make_create("abc", {}, 4000);
  assert_int_equal(parse_create_request(p.all(), p.body(), &cr), status::kInvalidParameter);
  p = make_create("abc", {}, 100);
  assert_int_equal(parse_create_request(p.all(), p.body(), &cr), status::kInvalidParameter);
  // Contexts offset past end, misaligned, overlapping the name.
  std::vector<uint8_t> one = ctx_entry("MxAc", 0);
  p = make_create("abc", one, -1, 9000);
  assert_int_equal(parse_create_request(p.all(), p.body(), &cr), status::kInvalidParameter);
  p = make_create("abc", one, -1, 121);
  assert_int_equal(parse_create_request(p.all(), p.body(), &cr), status::kInvalidParameter);
  p = make_create("abcdefghijkl", one, -1, 128);
  assert_int_equal(parse_create_request(p.all(), p.body(), &cr), status::kInvalidParameter);
  p = make_create("abc", one, -1, -1, 4000);
  assert_int_equal(parse_create_request(p.all(), p.body(), &cr), status::kInvalidParameter);

  std::vector<CreateContext> out;
  auto bad = [&](std::vector<uint8_t> v) {
    assert_int_equal(parse_create_contexts(Bytes(v.data(), v.size()), &out), status::kInvalidParameter);
  };
  // Next not 8-aligned, Next pointing back into the entry header, Next past the end.
  std::vector<uint8_t> a = ctx_entry("MxAc", 0, 20);
  a.resize(40, 0);
  bad(a);
  a = ctx_entry("MxAc", 0, 8);
  a.resize(40, 0);
  bad(a);
  bad(ctx_entry("MxAc", 0, 64));
  // Truncated header, name outside the entry, data misaligned / past the end.
  bad({1, 2, 3});
  std::vector<uint8_t> b = ctx_entry("MxAc", 0);
  b[4] = 200;
  bad(b);
  bad(ctx_entry("MxAc", 8, 0, 20));
  std::vector<uint8_t> c = ctx_entry("MxAc", 8);
  c[12] = 0xFF;
  bad(c);
  // Names shorter than 4 bytes (Windows: INVALID_PARAMETER).
  bad(ctx_entry("x", 0));
  bad(ctx_entry("xyz", 0));
  // Known contexts with wrong sizes, and duplicates.
  bad(ctx_entry("MxAc", 4));
  bad(ctx_entry("QFid", 8));
  bad(ctx_entry("DHnQ", 8));
  std::vector<uint8_t> d = ctx_entry("MxAc", 0, 24);
  d.resize(24, 0);
  std::vector<uint8_t> d2 = ctx_entry("MxAc", 0);
  d.insert(d.end(), d2.begin(), d2.end());
  bad(d);
  // A well-formed chain of a known and an unknown context passes.
  std::vector<uint8_t> e = ctx_entry("DHnQ", 16, 40);
  e.resize(40, 0);
  std::vector<uint8_t> e2 = ctx_entry("ZZZZ", 3);
  e.insert(e.end(), e2.begin(), e2.end());
  assert_int_equal(parse_create_contexts(Bytes(e.data(), e.size()), &out), status::kSuccess);
  assert_int_equal(out.size(), 2);
  assert_int_equal(out[1].data.size(), 3);
}

void test_rename_parse(void**) {
  std::vector<uint8_t> v;
  ByteWriter w(v);
  w.u8(1);
  w.zeros(7);
  w.u64(0);
  std::vector<uint8_t> n = utf8_to_utf16le("new.txt");
  w.u32(uint32_t(n.size()));
  w.bytes(n);
  RenameInfo ri;
  assert_int_equal(parse_rename_info(Bytes(v.data(), v.size()), false, &ri), status::kSuccess);
  assert_true(ri.replace);
  assert_int_equal(ri.name.size(), 14);
  // _EX: flags word.
  assert_int_equal(parse_rename_info(Bytes(v.data(), v.size()), true, &ri), status::kSuccess);
  assert_int_equal(ri.flags, 1);
  // Length past the buffer, odd, zero, truncated header.
  std::vector<uint8_t> bad = v;
  bad[16] = 200;
  assert_int_equal(parse_rename_info(Bytes(bad.data(), bad.size()), false, &ri), status::kInfoLengthMismatch);
  bad[16] = 3;
  assert_int_equal(parse_rename_info(Bytes(bad.data(), bad.size()), false, &ri), status::kInvalidParameter);
  bad[16] = 0;
  assert_int_equal(parse_rename_info(Bytes(bad.data(), bad.size()), false, &ri), status::kInvalidParameter);
  assert_int_equal(parse_rename_info(Bytes(v.data(), 10), false, &ri), status::kInfoLengthMismatch);
  BasicInfo bi;
  assert_int_equal(parse_basic_info(Bytes(v.data(), 20), &bi), status::kInfoLengthMismatch);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_file_info_sizes), cmocka_unit_test(test_dir_entries),
      cmocka_unit_test(test_fs_info),         cmocka_unit_test(test_security_descriptor),
      cmocka_unit_test(test_create_parse_ok), cmocka_unit_test(test_create_parse_malformed),
      cmocka_unit_test(test_rename_parse),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
