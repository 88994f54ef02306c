// Unit tests: stream-name parsing (streams/stream_name.h, and through
// vfs::parse_wire_name) and 8.3 short names (mangle/short_name.h).
#include <set>
#include <string>

#include "common/util/utf16.h"
#include "smbd-session/mangle/short_name.h"
#include "smbd-session/streams/stream_name.h"
#include "smbd-session/vfs/path.h"

// cmocka last: its skip()/fail() macros clash with ByteReader members.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

using namespace cifsd;
using namespace cifsd::session;

namespace {

NtStatus parse(const std::string& s, vfs::ParsedName* pn) {
  std::vector<uint8_t> w = utf8_to_utf16le(s);
  return vfs::parse_wire_name(w, vfs::NameUse::kCreate, pn);
}

void test_suffix_rules(void**) {
  streams::StreamSpec sp;
  assert_int_equal(streams::parse_stream_suffix("", &sp), status::kSuccess);
  assert_true(sp.name.empty());
  assert_false(sp.explicit_type);
  assert_int_equal(streams::parse_stream_suffix(":$DATA", &sp), status::kSuccess);
  assert_true(sp.name.empty());
  assert_true(sp.explicit_type);
  assert_int_equal(streams::parse_stream_suffix(":$dAtA", &sp), status::kSuccess);
  assert_int_equal(streams::parse_stream_suffix("Stream One", &sp), status::kSuccess);
  assert_string_equal(sp.name.c_str(), "Stream One");
  assert_false(sp.explicit_type);
  assert_int_equal(streams::parse_stream_suffix("Second Stream:$DaTa", &sp), status::kSuccess);
  assert_string_equal(sp.name.c_str(), "Second Stream");
  assert_true(sp.explicit_type);
  // Empty type, unknown type, extra part, a bare "::"
  assert_int_equal(streams::parse_stream_suffix("s:", &sp), status::kObjectNameInvalid);
  assert_int_equal(streams::parse_stream_suffix("s:$FOO", &sp), status::kObjectNameInvalid);
  assert_int_equal(streams::parse_stream_suffix("s:?D*a", &sp), status::kObjectNameInvalid);
  assert_int_equal(streams::parse_stream_suffix("s:$DATA:x", &sp), status::kObjectNameInvalid);
  assert_int_equal(streams::parse_stream_suffix(":", &sp), status::kObjectNameInvalid);
  // Wildcards and control characters are fine in stream names; '/' is not.
  assert_int_equal(streams::parse_stream_suffix("?Stream*", &sp), status::kSuccess);
  assert_int_equal(streams::parse_stream_suffix("\x05Stream\n One", &sp), status::kSuccess);
  assert_int_equal(streams::parse_stream_suffix("a/b", &sp), status::kObjectNameInvalid);
  // Length: 255 UTF-16 units at most, and the xattr name must fit.
  assert_int_equal(streams::parse_stream_suffix(std::string(streams::kMaxStreamNameBytes, 'x'), &sp),
                   status::kSuccess);
  assert_int_equal(streams::parse_stream_suffix(std::string(streams::kMaxStreamNameBytes + 1, 'x'), &sp),
                   status::kObjectNameInvalid);
}

void test_wire_names(void**) {
  vfs::ParsedName pn;
  assert_int_equal(parse("dir\\f.txt:Stream One", &pn), status::kSuccess);
  assert_string_equal(pn.path.c_str(), "dir/f.txt");
  assert_true(pn.named_stream);
  assert_string_equal(pn.stream.c_str(), "Stream One");
  assert_int_equal(parse("dir::$DATA", &pn), status::kSuccess);
  assert_false(pn.named_stream);
  assert_true(pn.explicit_data);
  assert_string_equal(pn.path.c_str(), "dir");
  assert_int_equal(parse("f.txt:", &pn), status::kSuccess);
  assert_false(pn.named_stream);
  assert_false(pn.explicit_data);
  // A wildcard in the file part stays invalid even with a valid stream.
  assert_int_equal(parse("d\\stream*:?Stream*:$DATA", &pn), status::kObjectNameInvalid);
  assert_int_equal(parse("d\\f:?Stream*:$DATA", &pn), status::kSuccess);
  // ':' in a directory component
  assert_int_equal(parse("d:x\\f", &pn), status::kObjectNameInvalid);
  // Every printable ASCII character but '/', ':' and '\' is a stream character
  for (int c = 1; c < 0x7F; c++) {
    std::string n = "f.txt:Stream";
    n += char(c);
    n += ":$DATA";
    NtStatus want = (c == '/' || c == ':' || c == '\\') ? status::kObjectNameInvalid : status::kSuccess;
    assert_int_equal(parse(n, &pn), want);
  }
  // Rename targets: ":new" names a stream of the same file.
  std::vector<uint8_t> t = utf8_to_utf16le(":AfterRename:$DATA");
  assert_int_equal(vfs::parse_wire_name(t, vfs::NameUse::kRename, &pn), status::kSuccess);
  assert_true(pn.path.empty());
  assert_string_equal(pn.stream.c_str(), "AfterRename");
}

void test_xattr_names_and_keys(void**) {
  assert_string_equal(streams::xattr_name("s1").c_str(), "user.cifsd.stream.s1");
  std::string_view s;
  assert_true(streams::stream_of_xattr("user.cifsd.stream.abc", &s));
  assert_true(s == "abc");
  assert_false(streams::stream_of_xattr("user.cifsd.stream.", &s));
  assert_false(streams::stream_of_xattr("user.cifsd.dosattrib", &s));
  assert_true(streams::same_stream("Second Stream", "SECOND STREAM"));
  assert_false(streams::same_stream("a", "b"));
  uint64_t d1, i1, d2, i2, d3, i3;
  streams::broker_key(0x803, 1234, "Stream", &d1, &i1);
  streams::broker_key(0x803, 1234, "STREAM", &d2, &i2);
  streams::broker_key(0x803, 1234, "Other", &d3, &i3);
  assert_true(d1 == d2 && i1 == i2);          // case-insensitive
  assert_true(d1 & (1ull << 63));             // never a real device
  assert_true(i1 != i3);                       // different streams differ
  streams::broker_key(0x803, 1235, "Stream", &d3, &i3);
  assert_true(i1 != i3);                       // and different files
}

void test_8dot3(void**) {
  assert_true(mangle::is_8dot3("README.TXT"));
  assert_true(mangle::is_8dot3("abc.d"));
  assert_true(mangle::is_8dot3("A"));
  assert_false(mangle::is_8dot3("Program Files"));
  assert_false(mangle::is_8dot3("toolongname.txt"));
  assert_false(mangle::is_8dot3("a.b.c"));
  assert_false(mangle::is_8dot3("a.toolong"));
  assert_false(mangle::is_8dot3("a+b.txt"));
  assert_false(mangle::is_8dot3("."));
  assert_false(mangle::is_8dot3("x."));
  assert_false(mangle::is_8dot3("\xC3\xA4.txt"));
}

void test_short_names(void**) {
  assert_string_equal(mangle::short_name("README.TXT").c_str(), "README.TXT");
  std::string a = mangle::short_name("Program Files");
  assert_int_equal(a.size(), 8u);
  assert_true(a.compare(0, 4, "PRO~") == 0);
  assert_true(mangle::is_8dot3(a));
  assert_true(mangle::looks_generated(a));
  // Deterministic and case-insensitive in the long name
  assert_string_equal(mangle::short_name("program files").c_str(), a.c_str());
  // Extension: first three valid characters after the last dot
  std::string b = mangle::short_name("my document.backup.html");
  assert_true(b.size() == 12 && b.compare(0, 3, "MYD") == 0 && b.compare(8, 4, ".HTM") == 0);
  assert_true(mangle::is_8dot3(b));
  // Leading dots, invalid and non-ASCII characters
  std::string c = mangle::short_name(".bashrc");
  assert_true(c.compare(0, 4, "BAS~") == 0 && mangle::is_8dot3(c));
  std::string d = mangle::short_name("a+b=c;d");
  assert_true(d.compare(0, 4, "A_B~") == 0 && mangle::is_8dot3(d));
  std::string e = mangle::short_name("\xC3\xA4rger.txt");
  assert_true(e.compare(0, 4, "_RG~") == 0 && mangle::is_8dot3(e));
  std::string f = mangle::short_name("A7xvF2ws201$J6lWE.");
  assert_true(mangle::is_8dot3(f) && mangle::looks_generated(f));
  // Not generated shapes
  assert_false(mangle::looks_generated("README.TXT"));
  assert_false(mangle::looks_generated("AB~1"));
  // Few collisions among similar names (all share the prefix "FIL")
  std::set<std::string> seen;
  for (int i = 0; i < 2000; i++) seen.insert(mangle::short_name("file number " + std::to_string(i)));
  assert_true(seen.size() >= 1995);
}

void test_memory(void**) {
  std::string s = mangle::short_name("A long file name.txt");
  mangle::remember("dir/sub", "A long file name.txt");
  auto l = mangle::recall("DIR/Sub", s);
  assert_true(l.has_value());
  assert_string_equal(l->c_str(), "A long file name.txt");
  assert_false(mangle::recall("other", s).has_value());
  assert_false(mangle::recall("dir/sub", "XYZ~0000").has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_suffix_rules), cmocka_unit_test(test_wire_names),
      cmocka_unit_test(test_xattr_names_and_keys), cmocka_unit_test(test_8dot3),
      cmocka_unit_test(test_short_names), cmocka_unit_test(test_memory),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
