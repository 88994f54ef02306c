// Share-mode rules of the broker (MS-FSA 2.1.5.1.2), table-driven.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

#include <cstdio>

#include "smbd-master/share_modes.h"

using namespace cifsd::master;

namespace {

constexpr uint32_t R = kFileReadData, W = kFileWriteData, A = kFileAppendData, X = kFileExecute,
                   D = kDelete;
constexpr uint32_t kReadAttributes = 0x80, kWriteAttributes = 0x100, kSynchronize = 0x100000,
                   kReadControl = 0x20000;
constexpr uint32_t SR = kShareRead, SW = kShareWrite, SD = kShareDelete;

struct Case {
  const char* name;
  uint32_t first_access, first_share, second_access, second_share;
  uint32_t want;
};

const Case kCases[] = {
    {"read/share-read both", R, SR, R, SR, kStatusSuccess},
    {"read, second shares nothing", R, SR, R, 0, kStatusSharingViolation},
    {"read, first shares nothing", R, 0, R, SR, kStatusSharingViolation},
    {"execute counts as read", X, SR, R, 0, kStatusSharingViolation},
    {"write vs share-read only", W, SR | SW, R, SR, kStatusSharingViolation},
    {"write vs share-write", W, SR | SW, R, SR | SW, kStatusSuccess},
    {"append counts as write", A, SR | SW, R, SR, kStatusSharingViolation},
    {"second writes, first shares read", R, SR, W, SR | SW, kStatusSharingViolation},
    {"second writes, first shares write", R, SR | SW, W, SR | SW, kStatusSuccess},
    {"delete vs no share-delete", D, SR | SW | SD, R, SR | SW, kStatusSharingViolation},
    {"delete vs share-delete", D, SR | SW | SD, R, SR | SW | SD, kStatusSuccess},
    {"second deletes, first no share-delete", R, SR | SW, D, SR | SW | SD, kStatusSharingViolation},
    {"attribute-only first, share none", kReadAttributes, 0, R | W, SR | SW, kStatusSuccess},
    {"attribute-only second, share none", R | W | D, 0, kReadAttributes | kSynchronize, 0,
     kStatusSuccess},
    {"read-control/write-attrs do not conflict", R | W, 0, kReadControl | kWriteAttributes, 0,
     kStatusSuccess},
    {"generic read maps to read", kGenericRead, SR, R, 0, kStatusSharingViolation},
    {"generic all vs share-all", kGenericAll, SR | SW | SD, R | W | D, SR | SW | SD, kStatusSuccess},
    {"generic all vs share-read", kGenericAll, SR | SW | SD, R, SR, kStatusSharingViolation},
    {"write+share-all both", R | W, SR | SW | SD, R | W, SR | SW | SD, kStatusSuccess},
};

void test_table(void**) {
  int failures = 0;
  for (const Case& c : kCases) {
    ShareModeTable t;
    assert_int_equal(t.open(1, 1, 10, 20, c.first_access, c.first_share), kStatusSuccess);
    uint32_t got = t.open(2, 7, 10, 20, c.second_access, c.second_share);
    if (got != c.want) {
      fprintf(stderr, "case '%s': got 0x%08x want 0x%08x\n", c.name, got, c.want);
      ++failures;
    }
    // Symmetry: the same pair in the other order gives the same answer.
    ShareModeTable u;
    assert_int_equal(u.open(1, 1, 10, 20, c.second_access, c.second_share), kStatusSuccess);
    uint32_t rev = u.open(2, 7, 10, 20, c.first_access, c.first_share);
    if (rev != c.want) {
      fprintf(stderr, "case '%s' reversed: got 0x%08x want 0x%08x\n", c.name, rev, c.want);
      ++failures;
    }
  }
  assert_int_equal(failures, 0);
}

void test_other_file_never_conflicts(void**) {
  ShareModeTable t;
  assert_int_equal(t.open(1, 1, 10, 20, R | W | D, 0), kStatusSuccess);
  assert_int_equal(t.open(2, 1, 10, 21, R | W | D, 0), kStatusSuccess);  // other inode
  assert_int_equal(t.open(2, 2, 11, 20, R | W | D, 0), kStatusSuccess);  // other device
  assert_int_equal(t.open_count(), 3u);
  assert_int_equal(t.file_count(), 3u);
}

void test_close_releases(void**) {
  ShareModeTable t;
  assert_int_equal(t.open(1, 1, 10, 20, R, 0), kStatusSuccess);
  assert_int_equal(t.open(2, 1, 10, 20, R, SR), kStatusSharingViolation);
  assert_true(t.close(1, 1));
  assert_false(t.close(1, 1));  // twice
  assert_int_equal(t.file_count(), 0u);
  assert_int_equal(t.open(2, 1, 10, 20, R, SR), kStatusSuccess);
  assert_false(t.close(3, 1));  // another connection's id
  assert_int_equal(t.opens_of(10, 20), 1u);
}

void test_duplicate_open_id(void**) {
  ShareModeTable t;
  assert_int_equal(t.open(1, 5, 10, 20, R, SR | SW | SD), kStatusSuccess);
  assert_int_equal(t.open(1, 5, 10, 21, R, SR | SW | SD), kStatusInvalidParameter);
  assert_int_equal(t.open(2, 5, 10, 21, R, SR | SW | SD), kStatusSuccess);  // other connection
  assert_int_equal(t.open_count(), 2u);
}

void test_same_connection_conflicts_too(void**) {
  // Share modes bind opens, not processes: one client's two opens conflict.
  ShareModeTable t;
  assert_int_equal(t.open(1, 1, 10, 20, W, 0), kStatusSuccess);
  assert_int_equal(t.open(1, 2, 10, 20, R, SR | SW), kStatusSharingViolation);
}

void test_drop_connection(void**) {
  ShareModeTable t;
  for (uint64_t i = 1; i <= 5; ++i) assert_int_equal(t.open(7, i, 1, i, R | W, 0), kStatusSuccess);
  assert_int_equal(t.open(8, 1, 1, 100, R, SR), kStatusSuccess);
  assert_int_equal(t.open(6, 1, 1, 101, R, SR), kStatusSuccess);
  assert_int_equal(t.open(9, 1, 1, 3, R, SR | SW), kStatusSharingViolation);
  assert_int_equal(t.opens_of_connection(7), 5u);
  assert_int_equal(t.opens_of_connection(8), 1u);
  assert_int_equal(t.drop_connection(7), 5u);
  assert_int_equal(t.opens_of_connection(7), 0u);
  assert_int_equal(t.drop_connection(7), 0u);
  assert_int_equal(t.open_count(), 2u);
  assert_int_equal(t.open(9, 1, 1, 3, R, SR | SW), kStatusSuccess);
  assert_int_equal(t.opens_of(1, 100), 1u);  // the neighbours are untouched
  assert_int_equal(t.opens_of(1, 101), 1u);
}

void test_many_compatible_readers(void**) {
  ShareModeTable t;
  for (uint64_t c = 1; c <= 100; ++c) assert_int_equal(t.open(c, 1, 1, 1, R, SR), kStatusSuccess);
  assert_int_equal(t.open(101, 1, 1, 1, W, SR | SW), kStatusSharingViolation);
  assert_int_equal(t.opens_of(1, 1), 100u);
}

// MS-FSA delete pending: new opens refused, existing ones go on, the last
// closer is told to remove the file; clearing it lets opens in again.
void test_delete_pending(void**) {
  ShareModeTable t;
  const uint32_t all = SR | SW | SD;
  assert_int_equal(t.open(1, 1, 10, 20, R | D, all), kStatusSuccess);
  assert_int_equal(t.open(2, 1, 10, 20, R, all), kStatusSuccess);
  assert_false(t.set_delete_pending(3, 1, true));  // unknown open
  assert_true(t.set_delete_pending(1, 1, true));
  assert_true(t.delete_pending(10, 20));
  assert_false(t.delete_pending(10, 21));
  assert_int_equal(t.open(3, 1, 10, 20, R, all), kStatusDeletePending);
  assert_int_equal(t.open(3, 2, 10, 20, kReadAttributes, all), kStatusDeletePending);
  assert_int_equal(t.open(3, 3, 10, 21, R, all), kStatusSuccess);  // another file
  // cleared by an open of the file, then set again
  assert_true(t.set_delete_pending(2, 1, false));
  assert_int_equal(t.open(3, 4, 10, 20, R, all), kStatusSuccess);
  assert_true(t.close(3, 4));
  assert_true(t.set_delete_pending(2, 1, true));
  bool del = true;
  assert_true(t.close(1, 1, &del));
  assert_false(del);  // another open remains
  assert_true(t.delete_pending(10, 20));
  assert_true(t.close(2, 1, &del));
  assert_true(del);  // the last one
  assert_false(t.delete_pending(10, 20));
  // a new file on the same inode starts clean
  assert_int_equal(t.open(4, 1, 10, 20, R, all), kStatusSuccess);
  assert_true(t.close(4, 1, &del));
  assert_false(del);
}

// A durable handle's record moves to the parked owner and back without a
// share-mode or delete-pending check and keeps the file's pending state.
void test_move_keeps_pending(void**) {
  ShareModeTable t;
  assert_int_equal(t.open(1, 1, 10, 20, R | D, SR | SD), kStatusSuccess);
  assert_int_equal(t.open(2, 1, 10, 20, R, SR | SD), kStatusSuccess);
  assert_true(t.set_delete_pending(2, 1, true));
  assert_true(t.move(1, 1, 99, 0x100));
  assert_false(t.move(1, 1, 99, 0x101));    // gone from its first owner
  assert_false(t.move(2, 1, 99, 0x100));    // target taken
  assert_int_equal(t.opens_of_connection(1), 0u);
  assert_int_equal(t.opens_of_connection(99), 1u);
  bool del = true;
  assert_true(t.close(2, 1, &del));
  assert_false(del);
  assert_true(t.delete_pending(10, 20));
  assert_true(t.move(99, 0x100, 3, 7));
  assert_int_equal(t.open(4, 1, 10, 20, R, SR | SD), kStatusDeletePending);
  assert_true(t.close(3, 7, &del));
  assert_true(del);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_other_file_never_conflicts),
      cmocka_unit_test(test_close_releases),
      cmocka_unit_test(test_duplicate_open_id),
      cmocka_unit_test(test_same_connection_conflicts_too),
      cmocka_unit_test(test_drop_connection),
      cmocka_unit_test(test_many_compatible_readers),
      cmocka_unit_test(test_delete_pending),
      cmocka_unit_test(test_move_keeps_pending),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
