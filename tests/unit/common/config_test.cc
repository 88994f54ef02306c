// smb.conf parser: values, synonyms, lists, issues with file:line, and the
// access helpers (user lists, host matching) the session relies on.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "common/config/config.h"

using namespace cifsd;

namespace {

bool has_issue(const ConfigResult& r, bool fatal, const std::string& needle) {
  for (auto& i : r.issues)
    if (i.fatal == fatal && i.message.find(needle) != std::string::npos) return true;
  return false;
}

void test_good_file(void**) {
  const char* text =
      "; comment\n"
      "# another comment\n"
      "[global]\n"
      "\tworkgroup = TESTGROUP\n"
      "\tnetbios name = box1\n"
      "\tserver string = my server\n"
      "\ttcp port = 4445\n"
      "\tinterfaces = 127.0.0.1 ::1\n"
      "\tbind interfaces only = yes\n"
      "\tserver min protocol = SMB2_10\n"
      "\tserver max protocol = SMB3_02\n"
      "\tmap to guest = Bad User\n"
      "\tguest account = guest1\n"
      "\tmax connections = 12\n"
      "\tpid directory = /tmp/p\n"
      "\tstate directory = /tmp/s\n"
      "\tpassdb = /tmp/db\n"
      "\tserver signing = mandatory\n"
      "\tsmb3 encryption = disabled\n"
      "\tsmb2 max read = 65536\n"
      "\tlog level = debug\n"
      "\tservice user = daemon\n"
      "[data]\n"
      "\tpath = /srv/data\n"
      "\tcomment = Data share\n"
      "\tread only = no\n"
      "\tbrowseable = no\n"
      "\tguest ok = yes\n"
      "\tcreate mask = 0600\n"
      "\tdirectory mask = 0700\n"
      "\tveto files = /*.tmp/.secret/\n"
      "\thide files = /hidefile/*.bak/\n"
      "\tfollow symlinks = yes\n"
      "\thide dot files = no\n"
      "\tforce user = alice\n"
      "\tsmb3 encryption = required\n";
  ConfigResult r = parse_config_text(text, "good.conf");
  assert_true(r.config.has_value());
  assert_int_equal(r.issues.size(), 0);
  const Config& c = *r.config;
  assert_string_equal(c.global.workgroup.c_str(), "TESTGROUP");
  assert_string_equal(c.global.netbios_name.c_str(), "box1");
  assert_string_equal(c.global.server_string.c_str(), "my server");
  assert_int_equal(c.global.tcp_port, 4445);
  assert_int_equal(c.global.interfaces.size(), 2);
  assert_string_equal(c.global.interfaces[1].c_str(), "::1");
  assert_true(c.global.bind_interfaces_only);
  assert_int_equal(c.global.min_protocol, kSmb210);
  assert_int_equal(c.global.max_protocol, kSmb302);
  assert_int_equal(int(c.global.map_to_guest), int(MapToGuest::kBadUser));
  assert_string_equal(c.global.guest_account.c_str(), "guest1");
  assert_int_equal(c.global.max_connections, 12);
  assert_string_equal(c.global.pid_directory.c_str(), "/tmp/p");
  assert_string_equal(c.global.state_directory.c_str(), "/tmp/s");
  assert_string_equal(c.global.passdb_path.c_str(), "/tmp/db");
  assert_int_equal(int(c.global.server_signing), int(Tristate::kMandatory));
  assert_int_equal(int(c.global.smb3_encryption), int(Tristate::kDisabled));
  assert_int_equal(c.global.smb2_max_read, 65536);
  assert_string_equal(c.global.log_level.c_str(), "debug");
  assert_string_equal(c.global.service_user.c_str(), "daemon");

  const ShareConfig* s = c.find_share("DATA");  // case-insensitive
  assert_non_null(s);
  assert_string_equal(s->name.c_str(), "data");
  assert_string_equal(s->path.c_str(), "/srv/data");
  assert_string_equal(s->comment.c_str(), "Data share");
  assert_false(s->read_only);
  assert_false(s->browseable);
  assert_true(s->guest_ok);
  assert_int_equal(s->create_mask, 0600);
  assert_int_equal(s->directory_mask, 0700);
  assert_int_equal(s->veto_files.size(), 2);
  assert_string_equal(s->veto_files[0].c_str(), "*.tmp");
  assert_string_equal(s->veto_files[1].c_str(), ".secret");
  assert_int_equal(s->hide_files.size(), 2);
  assert_string_equal(s->hide_files[0].c_str(), "hidefile");
  assert_string_equal(s->hide_files[1].c_str(), "*.bak");
  assert_true(s->follow_symlinks);
  assert_false(s->hide_dot_files);
  assert_string_equal(s->force_user.c_str(), "alice");
  assert_true(s->smb3_encryption.has_value());
  assert_int_equal(int(*s->smb3_encryption), int(Tristate::kMandatory));
  assert_string_equal(c.source_text.c_str(), text);
}

void test_defaults(void**) {
  ConfigResult r = parse_config_text("[s]\npath = /srv/s\n", "d.conf");
  assert_true(r.config.has_value());
  const Config& c = *r.config;
  assert_int_equal(c.global.tcp_port, 445);
  assert_int_equal(c.global.min_protocol, kSmb202);
  assert_int_equal(c.global.max_protocol, kSmb311);
  assert_int_equal(int(c.global.map_to_guest), int(MapToGuest::kNever));
  assert_false(c.global.ntlm_auth);
  const ShareConfig* s = c.find_share("s");
  assert_non_null(s);
  assert_true(s->read_only);
  assert_true(s->browseable);
  assert_false(s->guest_ok);
  assert_false(s->follow_symlinks);
  assert_int_equal(s->create_mask, 0744);
  assert_int_equal(s->directory_mask, 0755);
  assert_false(s->smb3_encryption.has_value());
  assert_true(c.find_share("nothere") == nullptr);
}

void test_unknown_key_warns_with_line(void**) {
  ConfigResult r = parse_config_text("[global]\nworkgroup = W\nfrobnicate = 3\n[s]\npath = /x\nbogus key = 1\n",
                                     "u.conf");
  assert_true(r.config.has_value());  // warnings are not fatal
  assert_int_equal(r.issues.size(), 2);
  assert_false(r.issues[0].fatal);
  assert_int_equal(r.issues[0].line, 3);
  assert_true(has_issue(r, false, "u.conf:3:"));
  assert_true(has_issue(r, false, "frobnicate"));
  assert_int_equal(r.issues[1].line, 6);
  assert_true(has_issue(r, false, "u.conf:6:"));
}

void test_bad_values_fatal(void**) {
  const char* bad[] = {
      "[global]\ntcp port = 70000\n",
      "[global]\ntcp port = 0\n",
      "[global]\ntcp port = abc\n",
      "[global]\nserver min protocol = SMB4\n",
      "[global]\nmap to guest = sometimes\n",
      "[global]\nserver signing = perhaps\n",
      "[global]\nlog level = chatty\n",
      "[global]\nmax connections = -1\n",
      "[global]\nrestrict anonymous = 3\n",
      "[global]\nsmb2 max read = 99999999999\n",
      "[s]\npath = /x\nread only = maybe\n",
      "[s]\npath = /x\ncreate mask = 0999\n",
      "[s]\npath = /x\ncreate mask = 17777\n",
      "[s]\npath = /x\nmax connections = lots\n",
  };
  for (const char* t : bad) {
    ConfigResult r = parse_config_text(t, "b.conf");
    if (r.config.has_value()) fail_msg("accepted: %s", t);
    assert_true(has_issue(r, true, "b.conf:"));
  }
  ConfigResult r = parse_config_text("[global]\ntcp port = 70000\n", "b.conf");
  assert_true(has_issue(r, true, "b.conf:2: invalid value '70000'"));
}

void test_share_without_path(void**) {
  ConfigResult r = parse_config_text("[nopath]\ncomment = x\n", "p.conf");
  assert_false(r.config.has_value());
  assert_true(has_issue(r, true, "has no path"));
  r = parse_config_text("[rel]\npath = relative/dir\n", "p.conf");
  assert_false(r.config.has_value());
  assert_true(has_issue(r, true, "absolute"));
}

void test_duplicate_and_bad_share_names(void**) {
  ConfigResult r = parse_config_text("[a]\npath = /a\n[A]\npath = /b\n", "dup.conf");
  assert_false(r.config.has_value());
  assert_true(has_issue(r, true, "duplicate share"));
  assert_true(has_issue(r, true, "dup.conf:3:"));
  r = parse_config_text("[a/b]\npath = /a\n", "n.conf");
  assert_false(r.config.has_value());
  assert_true(has_issue(r, true, "invalid share name"));
  // [homes] is not supported: a warning, the section is skipped.
  r = parse_config_text("[homes]\npath = /home\n[s]\npath = /s\n", "h.conf");
  assert_true(r.config.has_value());
  assert_true(has_issue(r, false, "homes"));
  assert_null(r.config->find_share("homes"));
}

void test_synonyms(void**) {
  ConfigResult r = parse_config_text(
      "[global]\nsmb ports = 1445 139\nmin protocol = SMB3\nmaxprotocol = smb3_11\n"
      "LOCK_DIRECTORY = /tmp/l\nrun as user = svc\nntlm auth = ntlmv1-permitted\n"
      "[s1]\ndirectory = /s1\nwriteable = yes\npublic = yes\nbrowsable = no\ncreate mode = 0640\n"
      "allow hosts = 10.\ndeny hosts = ALL\n"
      "[s2]\nPATH = /s2\nwritable = no\nwrite ok = yes\nReadOnly = yes\n",
      "syn.conf");
  assert_true(r.config.has_value());
  const Config& c = *r.config;
  assert_int_equal(c.global.tcp_port, 1445);
  assert_int_equal(c.global.min_protocol, kSmb300);
  assert_int_equal(c.global.max_protocol, kSmb311);
  assert_string_equal(c.global.state_directory.c_str(), "/tmp/l");
  assert_string_equal(c.global.service_user.c_str(), "svc");
  assert_true(c.global.ntlm_auth);
  const ShareConfig* s1 = c.find_share("s1");
  assert_non_null(s1);
  assert_string_equal(s1->path.c_str(), "/s1");
  assert_false(s1->read_only);
  assert_true(s1->guest_ok);
  assert_false(s1->browseable);
  assert_int_equal(s1->create_mask, 0640);
  assert_int_equal(s1->hosts_allow.size(), 1);
  assert_int_equal(s1->hosts_deny.size(), 1);
  const ShareConfig* s2 = c.find_share("s2");
  assert_string_equal(s2->path.c_str(), "/s2");
  assert_true(s2->read_only);  // last one wins
}

void test_global_share_defaults(void**) {
  ConfigResult r = parse_config_text("[global]\nread only = no\ncreate mask = 0600\n[a]\npath = /a\n"
                                     "[b]\npath = /b\nread only = yes\n",
                                     "g.conf");
  assert_true(r.config.has_value());
  assert_false(r.config->find_share("a")->read_only);
  assert_int_equal(r.config->find_share("a")->create_mask, 0600);
  assert_true(r.config->find_share("b")->read_only);
}

void test_lists(void**) {
  ConfigResult r = parse_config_text(
      "[s]\npath = /s\nvalid users = alice, bob @staff\tcarol\ninvalid users = mallory\n"
      "read list = @readers\nwrite list = +writers dave\nhosts allow = 127.0.0.1, 10.0.0.0/8 ::1\n",
      "l.conf");
  assert_true(r.config.has_value());
  const ShareConfig* s = r.config->find_share("s");
  assert_int_equal(s->valid_users.size(), 4);
  assert_string_equal(s->valid_users[0].c_str(), "alice");
  assert_string_equal(s->valid_users[1].c_str(), "bob");
  assert_string_equal(s->valid_users[2].c_str(), "@staff");
  assert_string_equal(s->valid_users[3].c_str(), "carol");
  assert_int_equal(s->invalid_users.size(), 1);
  assert_int_equal(s->read_list.size(), 1);
  assert_int_equal(s->write_list.size(), 2);
  assert_int_equal(s->hosts_allow.size(), 3);
}

void test_user_in_list(void**) {
  std::vector<std::string> list = {"alice", "@staff", "+Ops"};
  assert_true(user_in_list(list, "alice", {}));
  assert_true(user_in_list(list, "ALICE", {}));  // case-insensitive
  assert_false(user_in_list(list, "bob", {}));
  assert_true(user_in_list(list, "bob", {"users", "staff"}));
  assert_true(user_in_list(list, "bob", {"ops"}));
  assert_false(user_in_list(list, "bob", {"staffers"}));
  // A user literally named "staff" is not the group @staff.
  assert_false(user_in_list({"@staff"}, "staff", {}));
  assert_false(user_in_list({}, "alice", {"staff"}));
}

void test_host_matching(void**) {
  assert_true(host_matches({"127.0.0.1"}, "127.0.0.1"));
  assert_false(host_matches({"127.0.0.1"}, "127.0.0.2"));
  assert_true(host_matches({"10.0.0.0/8"}, "10.200.3.4"));
  assert_false(host_matches({"10.0.0.0/8"}, "11.0.0.1"));
  assert_true(host_matches({"192.168.1.0/24"}, "192.168.1.77"));
  assert_false(host_matches({"192.168.1.0/25"}, "192.168.1.200"));
  assert_true(host_matches({"0.0.0.0/0"}, "8.8.8.8"));
  assert_false(host_matches({"10.0.0.0/33"}, "10.0.0.1"));  // invalid prefix length
  assert_true(host_matches({"192.168.1."}, "192.168.1.5"));
  assert_false(host_matches({"192.168.1."}, "192.168.10.5"));
  assert_true(host_matches({"ALL"}, "1.2.3.4"));
  assert_true(host_matches({"localhost"}, "::1"));
  assert_true(host_matches({"localhost"}, "127.0.0.1"));
  assert_true(host_matches({"::1"}, "::1"));
  assert_true(host_matches({"fe80::/10"}, "fe80::1234"));
  assert_false(host_matches({"fe80::/10"}, "fec0::1"));
  assert_true(host_matches({"2001:db8::/32"}, "2001:db8:1::5"));
  // IPv4-mapped IPv6 addresses match IPv4 entries.
  assert_true(host_matches({"127.0.0.0/8"}, "::ffff:127.0.0.9"));
  assert_true(host_matches({"127.0.0.1"}, "::ffff:127.0.0.1"));
  // Address families do not mix.
  assert_false(host_matches({"10.0.0.0/8"}, "::1"));
  assert_false(host_matches({"garbage/8"}, "10.0.0.1"));
  assert_false(host_matches({}, "10.0.0.1"));
}

void test_host_allowed(void**) {
  ShareConfig s;
  assert_true(host_allowed(s, "1.2.3.4"));  // no lists: everyone
  s.hosts_deny = {"ALL"};
  assert_false(host_allowed(s, "1.2.3.4"));
  s.hosts_allow = {"127.0.0.1"};
  assert_true(host_allowed(s, "127.0.0.1"));  // hosts allow wins over hosts deny
  assert_false(host_allowed(s, "1.2.3.4"));
  s.hosts_deny.clear();
  assert_false(host_allowed(s, "1.2.3.4"));  // an allow list excludes the rest
  s.hosts_allow.clear();
  s.hosts_deny = {"10.0.0.0/8"};
  assert_false(host_allowed(s, "10.1.1.1"));
  assert_true(host_allowed(s, "11.1.1.1"));
}

void test_ipc_added(void**) {
  ConfigResult r = parse_config_text("[s]\npath = /s\n", "i.conf");
  assert_true(r.config.has_value());
  const ShareConfig* ipc = r.config->find_share("ipc$");
  assert_non_null(ipc);
  assert_true(ipc->is_ipc);
  assert_false(ipc->browseable);
  assert_true(ipc->path.empty());
  int n = 0;
  for (auto& s : r.config->shares) n += s.is_ipc;
  assert_int_equal(n, 1);
  // An explicit [IPC$] is kept (once), without a path and read-only.
  r = parse_config_text("[IPC$]\ncomment = pipes\npath = /tmp\nread only = no\n", "i.conf");
  assert_true(r.config.has_value());
  n = 0;
  for (auto& s : r.config->shares) n += s.is_ipc;
  assert_int_equal(n, 1);
  ipc = r.config->find_share("IPC$");
  assert_true(ipc->path.empty());
  assert_true(ipc->read_only);
}

void test_min_above_max(void**) {
  ConfigResult r = parse_config_text("[global]\nserver min protocol = SMB3_11\nserver max protocol = SMB2_10\n",
                                     "m.conf");
  assert_false(r.config.has_value());
  assert_true(has_issue(r, true, "min protocol"));
}

void test_protocol_names(void**) {
  assert_int_equal(*parse_protocol("smb2_02"), kSmb202);
  assert_int_equal(*parse_protocol("SMB2_10"), kSmb210);
  assert_int_equal(*parse_protocol("SMB3"), kSmb300);
  assert_int_equal(*parse_protocol("SMB3_02"), kSmb302);
  assert_int_equal(*parse_protocol("SMB3_11"), kSmb311);
  assert_int_equal(*parse_protocol("NT1"), kSmb202);  // SMB1 names map to SMB2
  assert_false(parse_protocol("SMB4").has_value());
  assert_false(parse_protocol("").has_value());
  assert_string_equal(protocol_name(kSmb311), "SMB3_11");
  assert_string_equal(protocol_name(0x0999), "unknown");
}

void test_syntax_and_odd_input(void**) {
  ConfigResult r = parse_config_text("[global\nworkgroup = x\n", "s.conf");
  assert_false(r.config.has_value());
  r = parse_config_text("no equals sign here\n", "s.conf");
  assert_false(r.config.has_value());
  r = parse_config_text("", "empty.conf");
  assert_true(r.config.has_value());
  assert_int_equal(r.config->shares.size(), 1);  // only IPC$
  // No trailing newline, CRLF line ends.
  r = parse_config_text("[s]\r\npath = /s\r\nread only = no", "crlf.conf");
  assert_true(r.config.has_value());
  assert_string_equal(r.config->find_share("s")->path.c_str(), "/s");
  assert_false(r.config->find_share("s")->read_only);
  // A line longer than the line buffer is an error, not two lines.
  std::string longline = "[s]\npath = /s\ncomment = " + std::string(400, 'x') + "\n";
  r = parse_config_text(longline, "long.conf");
  assert_false(r.config.has_value());
  assert_true(has_issue(r, true, "long.conf:3: line longer"));
  // Indented parameters are parameters, not continuation lines.
  r = parse_config_text("[s]\n  path = /s\n    comment = c\n", "ind.conf");
  assert_true(r.config.has_value());
  assert_string_equal(r.config->find_share("s")->comment.c_str(), "c");
  assert_string_equal(r.config->find_share("s")->path.c_str(), "/s");
}

void test_dump_roundtrip(void**) {
  ConfigResult r = parse_config_text("[global]\ntcp port = 1445\n[s]\npath = /s\nread only = no\n"
                                     "veto files = /a/b/\n",
                                     "r.conf");
  assert_true(r.config.has_value());
  std::string dumped = dump_config(*r.config);
  ConfigResult r2 = parse_config_text(dumped, "dump");
  for (auto& i : r2.issues) print_message("%s\n", i.message.c_str());
  assert_true(r2.config.has_value());
  assert_int_equal(r2.config->global.tcp_port, 1445);
  assert_false(r2.config->find_share("s")->read_only);
  assert_int_equal(r2.config->find_share("s")->veto_files.size(), 2);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_file),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_unknown_key_warns_with_line),
      cmocka_unit_test(test_bad_values_fatal),
      cmocka_unit_test(test_share_without_path),
      cmocka_unit_test(test_duplicate_and_bad_share_names),
      cmocka_unit_test(test_synonyms),
      cmocka_unit_test(test_global_share_defaults),
      cmocka_unit_test(test_lists),
      cmocka_unit_test(test_user_in_list),
      cmocka_unit_test(test_host_matching),
      cmocka_unit_test(test_host_allowed),
      cmocka_unit_test(test_ipc_added),
      cmocka_unit_test(test_min_above_max),
      cmocka_unit_test(test_protocol_names),
      cmocka_unit_test(test_syntax_and_odd_input),
      cmocka_unit_test(test_dump_roundtrip),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
