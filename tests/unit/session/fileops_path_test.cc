// Wire-name parsing, escape attempts, DOS wildcards, veto patterns, folding.
#include <string>
#include <vector>

#include "common/util/utf16.h"
#include "smbd-session/vfs/path.h"

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

NtStatus parse(const std::string& s, ParsedName* pn, NameUse use = NameUse::kCreate) {
  std::vector<uint8_t> w = utf8_to_utf16le(s);
  return parse_wire_name(Bytes(w.data(), w.size()), use, pn);
}
std::string ok_path(const std::string& s) {
  ParsedName pn;
  assert_int_equal(parse(s, &pn), status::kSuccess);
  return pn.path;
}
NtStatus st(const std::string& s, NameUse use = NameUse::kCreate) {
  ParsedName pn;
  return parse(s, &pn, use);
}

void test_normal_names(void**) {
  assert_string_equal(ok_path("").c_str(), "");
  assert_string_equal(ok_path("a").c_str(), "a");
  assert_string_equal(ok_path("dir\\sub\\file.txt").c_str(), "dir/sub/file.txt");
  assert_string_equal(ok_path("Ünïcode\\名前").c_str(), "Ünïcode/名前");
  ParsedName pn;
  assert_int_equal(parse("dir\\", &pn), status::kSuccess);
  assert_string_equal(pn.path.c_str(), "dir");
  assert_true(pn.trailing_sep);
}

void test_escapes_rejected(void**) {
  assert_int_equal(st(".."), status::kObjectPathSyntaxBad);
  assert_int_equal(st("a\\..\\..\\b"), status::kObjectPathSyntaxBad);
  assert_int_equal(st("a\\..\\b"), status::kObjectPathSyntaxBad);
  assert_int_equal(st("."), status::kObjectNameInvalid);
  assert_int_equal(st("a\\.\\b"), status::kObjectNameInvalid);
  assert_int_equal(st("\\etc\\passwd"), status::kInvalidParameter);
  assert_int_equal(st("a\\\\b"), status::kObjectNameInvalid);
  assert_int_equal(st("a/../../b"), status::kObjectNameInvalid);   // '/' is not a separator
  assert_int_equal(st("/etc/passwd"), status::kObjectNameInvalid);
  assert_int_equal(st("a\\\\"), status::kObjectNameInvalid);
  // Rename targets tolerate one leading '\' but not escapes.
  assert_string_equal([] { ParsedName p; parse("\\x\\y", &p, NameUse::kRename); return p.path; }().c_str(), "x/y");
  assert_int_equal(st("\\..\\x", NameUse::kRename), status::kObjectPathSyntaxBad);
}

void test_invalid_chars_and_nul(void**) {
  for (const char* n : {"a*", "a?b", "x<y", "x>y", "q\"", "p|p", "tab\there"})
    assert_int_equal(st(n), status::kObjectNameInvalid);
  // An embedded NUL in UTF-16 is invalid (it would truncate a Linux name).
  std::vector<uint8_t> w = {'a', 0, 0, 0, 'b', 0};
  ParsedName pn;
  assert_int_equal(parse_wire_name(Bytes(w.data(), w.size()), NameUse::kCreate, &pn),
                   status::kObjectNameInvalid);
  // Odd byte count and a lone surrogate.
  std::vector<uint8_t> odd = {'a', 0, 'b'};
  assert_int_equal(parse_wire_name(Bytes(odd.data(), odd.size()), NameUse::kCreate, &pn),
                   status::kObjectNameInvalid);
  std::vector<uint8_t> lone = {0x00, 0xD8, 'a', 0};
  assert_int_equal(parse_wire_name(Bytes(lone.data(), lone.size()), NameUse::kCreate, &pn),
                   status::kObjectNameInvalid);
}

void test_overlong(void**) {
  assert_int_equal(st(std::string(255, 'a')), status::kSuccess);
  assert_int_equal(st(std::string(256, 'a')), status::kNameTooLong);
  std::string deep;
  for (int i = 0; i < 500; i++) deep += "abcdefghi\\";
  deep += "x";
  assert_int_equal(st(deep), status::kNameTooLong);
}

void test_streams(void**) {
  ParsedName pn;
  assert_int_equal(parse("f.txt::$DATA", &pn), status::kSuccess);
  assert_string_equal(pn.path.c_str(), "f.txt");
  assert_false(pn.named_stream);
  assert_int_equal(parse("f.txt:s1", &pn), status::kSuccess);
  assert_true(pn.named_stream);
  assert_int_equal(parse("f.txt:s1:$DATA", &pn), status::kSuccess);
  assert_true(pn.named_stream);
  assert_int_equal(st("f.txt:s1:$BOGUS"), status::kObjectNameInvalid);
  assert_int_equal(st("d:x\\f"), status::kObjectNameInvalid);  // ':' before the last component
  assert_int_equal(st("f:a:b:c"), status::kObjectNameInvalid);
  assert_int_equal(st("f:"), status::kSuccess);
}

void test_wildcards(void**) {
  assert_true(dos_wildcard_match("*", "anything.txt"));
  assert_true(dos_wildcard_match("*", ""));
  assert_true(dos_wildcard_match("*.txt", "A.TXT"));
  assert_false(dos_wildcard_match("*.txt", "a.txt.bak"));
  assert_true(dos_wildcard_match("a?c", "abc"));
  assert_false(dos_wildcard_match("a?c", "ac"));
  assert_true(dos_wildcard_match("FOO", "foo"));
  assert_true(dos_wildcard_match("ÄBC", "äbc"));
  // DOS_STAR '<': up to the final dot.
  assert_true(dos_wildcard_match("<.txt", "a.b.txt"));
  assert_false(dos_wildcard_match("<", "a.b"));
  assert_true(dos_wildcard_match("<", "noext"));
  // Past the final dot (no dot ahead) '<' runs to the end of the name.
  assert_true(dos_wildcard_match("a.<", "a.b"));
  assert_false(dos_wildcard_match("a.<", "a.b.c"));
  assert_true(dos_wildcard_match("<.<", "x.y.z"));
  // Case folding beyond Latin: full-width letters (smb2.charset), Greek.
  assert_true(dos_wildcard_match("\xEF\xBC\xA1", "\xEF\xBD\x81"));  // U+FF21 vs U+FF41
  assert_true(equal_fold("\xCE\xA3", "\xCF\x83"));                  // Sigma
  assert_false(equal_fold("a", "b"));
  // DOS_QM '>': one char, or nothing at a dot / the end.
  assert_true(dos_wildcard_match(">>>", "ab"));
  assert_true(dos_wildcard_match(">>>.txt", "ab.txt"));
  assert_false(dos_wildcard_match(">", "abc"));
  // DOS_DOT '"': a dot, or nothing at the end.
  assert_true(dos_wildcard_match("abc\"", "abc"));
  assert_true(dos_wildcard_match("abc\"*", "abc.d"));
  assert_false(dos_wildcard_match("abc\"", "abcd"));
  // Pathological patterns stay polynomial.
  std::string p(200, '*');
  p += "b";
  assert_false(dos_wildcard_match(p, std::string(250, 'a')));
  assert_true(has_wildcards("a*"));
  assert_false(has_wildcards("abc"));
}

void test_veto_and_fold(void**) {
  std::vector<std::string> v = {"*.tmp", ".secret", "Thumbs.db"};
  assert_true(is_vetoed("x.tmp", v));
  assert_true(is_vetoed(".secret", v));
  assert_false(is_vetoed("x.txt", v));
  assert_true(path_vetoed("a/.secret/b", v));
  assert_false(path_vetoed("a/b/c", v));
  assert_true(equal_fold("ReadMe.TXT", "readme.txt"));
  assert_true(equal_fold("ΣΟΦΙΑ", "σοφια"));
  assert_true(equal_fold("ПРИВЕТ", "привет"));
  assert_false(equal_fold("a", "b"));
  assert_string_equal(to_wire_path("a/b").c_str(), "\\a\\b");
  assert_string_equal(to_wire_path("").c_str(), "\\");
  std::string_view parent, leaf;
  split_parent("a/b/c", &parent, &leaf);
  assert_true(parent == "a/b" && leaf == "c");
  split_parent("c", &parent, &leaf);
  assert_true(parent.empty() && leaf == "c");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normal_names),   cmocka_unit_test(test_escapes_rejected),
      cmocka_unit_test(test_invalid_chars_and_nul), cmocka_unit_test(test_overlong),
      cmocka_unit_test(test_streams),        cmocka_unit_test(test_wildcards),
      cmocka_unit_test(test_veto_and_fold),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
