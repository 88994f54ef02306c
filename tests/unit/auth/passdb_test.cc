// Password database: parse, lookup, modify, atomic save, malformed lines.

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "common/crypto/md5.h"
#include "smbd-auth/passdb.h"

// cmocka last: it defines macros (skip, fail) that clash with our names.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::auth;

static void test_roundtrip(void**) {
  Passdb db;
  db.set("alice", crypto::nt_hash("password"));
  db.set("Bob", crypto::nt_hash("x"));
  std::string text = db.serialize();
  assert_string_equal(text.substr(0, 31).c_str(), "alice:iEb36u6PsRetBr3YMLdYbA==\n");
  std::vector<std::string> w;
  Passdb db2 = Passdb::parse(text, &w);
  assert_int_equal(w.size(), 0);
  assert_int_equal(db2.size(), 2);
  const PassdbEntry* e = db2.find("ALICE");
  assert_non_null(e);
  assert_memory_equal(e->nthash.data(), crypto::nt_hash("password").data(), 16);
  assert_non_null(db2.find("bob"));
  assert_null(db2.find("carol"));
  // Update keeps one entry and the stored spelling.
  db2.set("BOB", crypto::nt_hash("y"));
  assert_int_equal(db2.size(), 2);
  assert_string_equal(db2.find("bob")->name.c_str(), "Bob");
  assert_memory_equal(db2.find("bob")->nthash.data(), crypto::nt_hash("y").data(), 16);
  assert_true(db2.remove("ALICE"));
  assert_false(db2.remove("alice"));
  assert_int_equal(db2.size(), 1);
}

static void test_malformed_lines(void**) {
  std::string text =
      "alice:iEb36u6PsRetBr3YMLdYbA==\n"
      "no-colon-here\n"
      ":iEb36u6PsRetBr3YMLdYbA==\n"            // empty name
      "bob:short==\n"                          // wrong length
      "carol:iEb36u6PsRetBr3YMLdYbA=\n"        // 23 chars
      "dave:!!!!!!!!!!!!!!!!!!!!!!==\n"        // not base64
      "ALICE:iEb36u6PsRetBr3YMLdYbA==\n"       // duplicate
      "\n"
      "erin:iEb36u6PsRetBr3YMLdYbA==\r\n"      // CRLF accepted
      "fr\x01nk:iEb36u6PsRetBr3YMLdYbA==\n"    // control char in name
      "gina:iEb36u6PsRetBr3YMLdYbA==";         // no final newline
  std::vector<std::string> w;
  Passdb db = Passdb::parse(text, &w);
  assert_int_equal(db.size(), 3);
  assert_non_null(db.find("alice"));
  assert_non_null(db.find("erin"));
  assert_non_null(db.find("gina"));
  assert_int_equal(w.size(), 7);
  assert_true(w[0].rfind("line 2:", 0) == 0);
  // Warnings never carry the hash.
  for (auto& s : w) assert_null(strstr(s.c_str(), "iEb36u"));
}

static void test_file_save_load(void**) {
  char dir[] = "/tmp/passdb_testXXXXXX";
  assert_non_null(mkdtemp(dir));
  std::string path = std::string(dir) + "/cifsdpwd.db";
  Passdb db;
  std::vector<std::string> w;
  std::string err;
  assert_true(db.load(path, &w, &err));  // missing file: empty db
  assert_int_equal(db.size(), 0);
  db.set("alice", crypto::nt_hash("pw1"));
  assert_true(db.save(path, &err));
  struct stat st;
  assert_int_equal(stat(path.c_str(), &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  Passdb db2;
  assert_true(db2.load(path, &w, &err));
  assert_int_equal(db2.size(), 1);
  assert_memory_equal(db2.find("alice")->nthash.data(), crypto::nt_hash("pw1").data(), 16);
  // No temporary files left behind.
  std::string cmd = std::string("test $(ls -A ") + dir + " | wc -l) -eq 1";
  assert_int_equal(system(cmd.c_str()), 0);
  // Saving into a missing directory fails cleanly.
  assert_false(db2.save(std::string(dir) + "/nope/db", &err));
  assert_false(err.empty());
  unlink(path.c_str());
  rmdir(dir);
}

static void test_valid_name(void**) {
  assert_true(Passdb::valid_name("alice"));
  assert_true(Passdb::valid_name("jean-luc.picard"));
  assert_false(Passdb::valid_name(""));
  assert_false(Passdb::valid_name("a:b"));
  assert_false(Passdb::valid_name("a/b"));
  assert_false(Passdb::valid_name(std::string(257, 'a')));
}

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_malformed_lines),
      cmocka_unit_test(test_file_save_load), cmocka_unit_test(test_valid_name),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
