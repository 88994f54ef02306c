// Real openat2 lookups in a temporary share: symlink escapes are refused
// with "follow symlinks" off and on, case-insensitive resolution, veto
// files, DOS attribute storage and access computation.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "smbd-session/smb2_types.h"
#include "smbd-session/vfs/name_cache.h"
#include "smbd-session/vfs/vfs.h"

// cmocka last: its "skip"/"fail" macros would clash with ByteReader.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::session::vfs;

namespace {

std::string g_base;
int g_root = -1;

void touch(const std::string& p, mode_t mode = 0644) {
  int fd = open(p.c_str(), O_CREAT | O_WRONLY | O_TRUNC, mode);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "data", 4), 4);
  close(fd);
}

int setup(void**) {
  char tmpl[] = "/tmp/vfs_test.XXXXXX";
  char* d = mkdtemp(tmpl);
  if (!d) return -1;
  g_base = d;
  std::string s = g_base + "/share";
  mkdir(s.c_str(), 0755);
  mkdir((g_base + "/outside").c_str(), 0755);
  touch(g_base + "/outside/secret");
  touch(s + "/Hello.txt");
  touch(s + "/x.tmp");
  touch(s + "/.dot");
  touch(s + "/ro.txt", 0444);
  mkdir((s + "/Sub").c_str(), 0755);
  touch(s + "/Sub/inner");
  if (symlink("../outside", (s + "/out").c_str()) != 0) return -1;
  if (symlink("Sub", (s + "/in").c_str()) != 0) return -1;
  if (symlink("/etc", (s + "/abs").c_str()) != 0) return -1;
  if (symlink("../../outside/secret", (s + "/Sub/up").c_str()) != 0) return -1;
  g_root = open(s.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  return g_root >= 0 ? 0 : -1;
}

int teardown(void**) {
  close(g_root);
  std::string cmd = "rm -rf '" + g_base + "'";
  return system(cmd.c_str()) == 0 ? 0 : -1;
}

bool opens(const char* path, bool follow, int* err) {
  int fd = open_beneath(g_root, path, O_RDONLY, 0, follow);
  *err = errno;
  if (fd >= 0) close(fd);
  return fd >= 0;
}

void test_symlink_escapes(void**) {
  int err = 0;
  assert_true(opens("Hello.txt", false, &err));
  assert_true(opens("", false, &err));  // the root itself
  // follow symlinks = no: every symlink is refused, inside or outside.
  assert_false(opens("out/secret", false, &err));
  assert_int_equal(err, ELOOP);
  assert_false(opens("in/inner", false, &err));
  assert_int_equal(err, ELOOP);
  // follow symlinks = yes: inside is fine, outside is refused by RESOLVE_BENEATH.
  assert_true(opens("in/inner", true, &err));
  assert_false(opens("out/secret", true, &err));
  assert_int_equal(err, EXDEV);
  assert_false(opens("abs/passwd", true, &err));
  assert_int_equal(err, EXDEV);
  assert_false(opens("Sub/up", true, &err));
  assert_int_equal(err, EXDEV);
  // A raw ".." never leaves either.
  assert_false(opens("../outside/secret", true, &err));
  assert_int_equal(err, EXDEV);
  assert_false(opens("Sub/../../outside/secret", false, &err));
  assert_int_equal(lookup_status(EXDEV), cifsd::status::kAccessDenied);
  assert_int_equal(lookup_status(ELOOP), cifsd::status::kAccessDenied);
}

void test_case_insensitive(void**) {
  cifsd::ShareConfig share;
  share.veto_files = {"*.tmp"};
  std::string actual;
  bool exists = false;
  assert_int_equal(resolve_path(g_root, "hello.TXT", share, &actual, &exists), cifsd::status::kSuccess);
  assert_true(exists);
  assert_string_equal(actual.c_str(), "Hello.txt");
  assert_int_equal(resolve_path(g_root, "sub/INNER", share, &actual, &exists), cifsd::status::kSuccess);
  assert_true(exists);
  assert_string_equal(actual.c_str(), "Sub/inner");
  assert_int_equal(resolve_path(g_root, "SUB/newfile", share, &actual, &exists), cifsd::status::kSuccess);
  assert_false(exists);
  assert_string_equal(actual.c_str(), "Sub/newfile");
  assert_int_equal(resolve_path(g_root, "nodir/x", share, &actual, &exists),
                   cifsd::status::kObjectPathNotFound);
  // Vetoed names are not found, whatever their case.
  assert_int_equal(resolve_path(g_root, "x.tmp", share, &actual, &exists), cifsd::status::kObjectNameNotFound);
  assert_int_equal(resolve_path(g_root, "X.TMP", share, &actual, &exists), cifsd::status::kSuccess);
  assert_false(exists);
  // A case-insensitive walk does not follow symlinks out either.
  assert_int_equal(resolve_path(g_root, "OUT/secret", share, &actual, &exists), cifsd::status::kAccessDenied);
  share.follow_symlinks = true;
  assert_int_equal(resolve_path(g_root, "OUT/secret", share, &actual, &exists), cifsd::status::kAccessDenied);
  assert_int_equal(resolve_path(g_root, "IN/INNER", share, &actual, &exists), cifsd::status::kSuccess);
  assert_string_equal(actual.c_str(), "in/inner");
}

void test_attributes_and_access(void**) {
  cifsd::ShareConfig share;
  share.store_dos_attributes = true;
  share.hide_dot_files = true;
  int fd = open_beneath(g_root, "Hello.txt", O_RDWR, 0, false);
  assert_true(fd >= 0);
  FileStat st;
  assert_int_equal(stat_fd(fd, share, "Hello.txt", &st), cifsd::status::kSuccess);
  assert_int_equal(st.attrs, cifsd::smb2::kAttrArchive);
  assert_int_equal(st.size, 4);
  int e = store_dos_attributes(fd, cifsd::smb2::kAttrReadonly | cifsd::smb2::kAttrSystem);
  if (e == 0) {
    assert_int_equal(stat_fd(fd, share, "Hello.txt", &st), cifsd::status::kSuccess);
    assert_int_equal(st.attrs, cifsd::smb2::kAttrReadonly | cifsd::smb2::kAttrSystem);
    // The DOS read-only attribute takes write data away even from the owner.
    uint32_t a = maximal_access(fd, st, g_root, getuid(), true);
    assert_int_equal(a & cifsd::smb2::kFileWriteData, 0);
    store_dos_attributes(fd, 0x20);
    // A client-set creation time survives attribute updates.
    assert_int_equal(store_creation_time(fd, 130000000000000000ull, false), 0);
    store_dos_attributes(fd, cifsd::smb2::kAttrHidden);
    assert_int_equal(stat_fd(fd, share, "Hello.txt", &st), cifsd::status::kSuccess);
    assert_int_equal(st.creation, 130000000000000000ull);
    assert_int_equal(st.attrs, cifsd::smb2::kAttrHidden);
    store_dos_attributes(fd, 0x20);
  }
  close(fd);
  int dfd = open_beneath(g_root, "Sub", O_PATH, 0, false);
  assert_int_equal(stat_fd(dfd, share, "Sub", &st), cifsd::status::kSuccess);
  assert_true(st.is_dir);
  assert_int_equal(st.attrs, cifsd::smb2::kAttrDirectory);
  close(dfd);
  assert_int_equal(stat_at(g_root, ".dot", share, &st), cifsd::status::kSuccess);
  assert_true(st.attrs & cifsd::smb2::kAttrHidden);

  int ro = open_beneath(g_root, "ro.txt", O_PATH, 0, false);
  assert_int_equal(stat_fd(ro, share, "ro.txt", &st), cifsd::status::kSuccess);
  uint32_t a = maximal_access(ro, st, g_root, getuid(), true);
  if (geteuid() != 0) assert_int_equal(a & cifsd::smb2::kFileWriteData, 0);
  assert_true(a & cifsd::smb2::kFileReadData);
  assert_true(a & cifsd::smb2::kDelete);  // the share root is writable by us
  uint32_t r = maximal_access(ro, st, g_root, getuid(), false);
  assert_int_equal(r & (cifsd::smb2::kDelete | cifsd::smb2::kFileWriteAttributes), 0);
  close(ro);

  struct timespec ts;
  assert_false(filetime_to_timespec(0, &ts));
  assert_false(filetime_to_timespec(~0ull, &ts));
  assert_true(filetime_to_timespec(unix_to_filetime(1700000000, 500), &ts));
  assert_int_equal(ts.tv_sec, 1700000000);
  assert_int_equal(map_generic(cifsd::smb2::kGenericRead), 0x00120089);
  assert_int_equal(map_generic(cifsd::smb2::kGenericAll), cifsd::smb2::kFileAllAccess);
}
// A big directory is served by the name cache (vfs/name_cache.h) once a miss
// has scanned it; changes made behind its back (here: plain syscalls, as a
// local process or another client would) are seen at the next lookup.
void test_big_directory_cache(void**) {
  cifsd::ShareConfig share;
  share.mangled_names = false;
  share.veto_files = {"*.tmp"};
  std::string big = g_base + "/share/Big";
  assert_int_equal(mkdir(big.c_str(), 0755), 0);
  for (int i = 0; i < 400; i++) touch(big + "/File" + std::to_string(i));
  touch(big + "/Hidden.tmp");
  std::string actual;
  bool exists = true;
  size_t before = name_cache().cached_dirs();
  assert_int_equal(resolve_path(g_root, "big/new-name", share, &actual, &exists), cifsd::status::kSuccess);
  assert_false(exists);
  assert_string_equal(actual.c_str(), "Big/new-name");
  assert_int_equal(name_cache().cached_dirs(), before + 1);  // a miss in a big directory caches it
  assert_int_equal(resolve_path(g_root, "BIG/FILE123", share, &actual, &exists), cifsd::status::kSuccess);
  assert_true(exists);
  assert_string_equal(actual.c_str(), "Big/File123");
  // created, deleted and renamed behind the cache's back
  touch(big + "/Late");
  assert_int_equal(resolve_path(g_root, "Big/LATE", share, &actual, &exists), cifsd::status::kSuccess);
  assert_true(exists);
  assert_string_equal(actual.c_str(), "Big/Late");
  assert_int_equal(unlink((big + "/File7").c_str()), 0);
  assert_int_equal(resolve_path(g_root, "Big/file7", share, &actual, &exists), cifsd::status::kSuccess);
  assert_false(exists);
  assert_int_equal(rename((big + "/File8").c_str(), (big + "/Renamed").c_str()), 0);
  assert_int_equal(resolve_path(g_root, "Big/FILE8", share, &actual, &exists), cifsd::status::kSuccess);
  assert_false(exists);
  assert_int_equal(resolve_path(g_root, "Big/renamed", share, &actual, &exists), cifsd::status::kSuccess);
  assert_true(exists);
  assert_string_equal(actual.c_str(), "Big/Renamed");
  // two names that fold alike on a case-sensitive file system: either is an answer
  touch(big + "/file9");
  assert_int_equal(resolve_path(g_root, "Big/FILE9", share, &actual, &exists), cifsd::status::kSuccess);
  assert_true(exists);
  assert_true(actual == "Big/File9" || actual == "Big/file9");
  // veto files stay invisible through the cache
  assert_int_equal(resolve_path(g_root, "Big/hidden.TMP", share, &actual, &exists), cifsd::status::kSuccess);
  assert_false(exists);
  // the directory itself replaced: the cache lets go of it
  std::string moved = g_base + "/share/Big-old";
  assert_int_equal(rename(big.c_str(), moved.c_str()), 0);
  assert_int_equal(mkdir(big.c_str(), 0755), 0);
  touch(big + "/Fresh");
  assert_int_equal(resolve_path(g_root, "Big/FRESH", share, &actual, &exists), cifsd::status::kSuccess);
  assert_true(exists);
  assert_string_equal(actual.c_str(), "Big/Fresh");
  assert_int_equal(resolve_path(g_root, "Big/FILE123", share, &actual, &exists), cifsd::status::kSuccess);
  assert_false(exists);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_symlink_escapes),
      cmocka_unit_test(test_case_insensitive),
      cmocka_unit_test(test_attributes_and_access),
      cmocka_unit_test(test_big_directory_cache),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
