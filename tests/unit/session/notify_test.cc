// Unit tests: CHANGE_NOTIFY's pure part (smbd-session/notify/change_list.h):
// inotify events to FILE_ACTION_* under each completion filter, rename pairs,
// the attribute writes of a create folded into it, the per-open buffer
// (merging repeats, capacity fixed by the first request, overflow to
// STATUS_NOTIFY_ENUM_DIR) and the FILE_NOTIFY_INFORMATION encoding.
#include <sys/inotify.h>

#include <string>
#include <vector>

#include "common/wire/reader.h"
#include "smbd-session/notify/change_list.h"

// cmocka last: it defines macros (skip) that clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}
#undef skip

using namespace cifsd;
using namespace cifsd::session::notify;

namespace {

void test_names_by_filter(void**) {
  std::vector<Event> batch = {
      {IN_CREATE, 0, "a.txt"},
      {IN_CREATE | IN_ISDIR, 0, "dir"},
      {IN_DELETE, 0, "b.txt"},
  };
  auto files = translate(batch, kChangeFileName);
  assert_int_equal(files.size(), 2);
  assert_true(files[0] == (Change{kActionAdded, "a.txt"}));
  assert_true(files[1] == (Change{kActionRemoved, "b.txt"}));
  auto dirs = translate(batch, kChangeDirName);
  assert_int_equal(dirs.size(), 1);
  assert_true(dirs[0] == (Change{kActionAdded, "dir"}));
  assert_int_equal(translate(batch, kChangeSize).size(), 0);
}

void test_rename_pair_and_unpaired_moves(void**) {
  std::vector<Event> batch = {
      {IN_MOVED_FROM, 7, "old"},
      {IN_MOVED_TO, 7, "new"},
      {IN_MOVED_FROM, 8, "gone"},   // moved out of the watch
      {IN_MOVED_TO, 9, "arrived"},  // moved in
  };
  auto c = translate(batch, kChangeAll);
  assert_int_equal(c.size(), 4);
  assert_true(c[0] == (Change{kActionRenamedOld, "old"}));
  assert_true(c[1] == (Change{kActionRenamedNew, "new"}));
  assert_true(c[2] == (Change{kActionRemoved, "gone"}));
  assert_true(c[3] == (Change{kActionAdded, "arrived"}));
}

void test_modifications(void**) {
  std::vector<Event> batch = {
      {IN_CREATE, 0, "new"},
      {IN_ATTRIB, 0, "new"},  // the create's own attributes: folded in
      {IN_MODIFY, 0, "old"},
      {IN_ATTRIB, 0, "old"},
  };
  auto all = translate(batch, kChangeAll);
  assert_int_equal(all.size(), 3);
  assert_true(all[0] == (Change{kActionAdded, "new"}));
  assert_true(all[1] == (Change{kActionModified, "old"}));
  assert_true(all[2] == (Change{kActionModified, "old"}));
  assert_int_equal(translate(batch, kChangeSize).size(), 1);        // the write only
  assert_int_equal(translate(batch, kChangeAttributes).size(), 1);  // the attribute change only
  // Events about the watched directory itself carry no name.
  assert_int_equal(translate({{IN_ATTRIB, 0, ""}}, kChangeAll).size(), 0);
}

void test_buffer_merges_and_encodes(void**) {
  ChangeBuffer b;
  b.set_capacity(4096);
  assert_true(b.empty());
  b.add({{kActionAdded, "f"}, {kActionModified, "f"}, {kActionModified, "f"}, {kActionRemoved, "dir\\g"}});
  std::vector<uint8_t> out;
  assert_int_equal(b.take(4096, &out), status::kSuccess);
  assert_true(b.empty());
  // Three entries: f (12+2 -> 16), f (16), dir\g (12+10, last not padded).
  assert_int_equal(out.size(), 16 + 16 + 22);
  ByteReader r({out.data(), out.size()});
  assert_int_equal(r.u32(), 16);
  assert_int_equal(r.u32(), kActionAdded);
  assert_int_equal(r.u32(), 2);
  assert_int_equal(r.u16(), 'f');
  r.skip(2);
  assert_int_equal(r.u32(), 16);
  assert_int_equal(r.u32(), kActionModified);
  r.skip(8);
  assert_int_equal(r.u32(), 0);  // last entry
  assert_int_equal(r.u32(), kActionRemoved);
  assert_int_equal(r.u32(), 10);
  assert_true(r.ok());
}

void test_small_request_gets_enum_dir(void**) {
  ChangeBuffer b;
  b.set_capacity(4096);
  b.add({{kActionAdded, "file"}});
  std::vector<uint8_t> out{1, 2, 3};
  assert_int_equal(b.take(0, &out), status::kNotifyEnumDir);
  assert_true(out.empty());
  assert_true(b.empty());  // the changes are gone either way
}

void test_capacity_overflow_sticks_until_taken(void**) {
  ChangeBuffer b;
  b.set_capacity(1);  // a first request with a 1-byte buffer
  b.add({{kActionAdded, "x"}});
  assert_false(b.empty());
  b.add({{kActionRemoved, "y"}});
  std::vector<uint8_t> out;
  assert_int_equal(b.take(65536, &out), status::kNotifyEnumDir);
  b.add({{kActionAdded, "z"}});
  assert_int_equal(b.take(65536, &out), status::kNotifyEnumDir);  // still 1 byte of room
  b.mark_overflow();
  assert_false(b.empty());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names_by_filter),
      cmocka_unit_test(test_rename_pair_and_unpaired_moves),
      cmocka_unit_test(test_modifications),
      cmocka_unit_test(test_buffer_merges_and_encodes),
      cmocka_unit_test(test_small_request_gets_enum_dir),
      cmocka_unit_test(test_capacity_overflow_sticks_until_taken),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
