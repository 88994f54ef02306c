#include "common/config/config.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <ini.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "common/util/utf16.h"

namespace cifsd {
namespace {

// Samba and ksmbd-tools accept parameter names regardless of case, spaces and
// underscores ("read only", "readonly", "READ_ONLY").
std::string norm_key(std::string_view k) {
  std::string o;
  for (char c : k) {
    if (c == ' ' || c == '_' || c == '\t') continue;
    o += (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
  }
  return o;
}

std::optional<bool> parse_bool(std::string_view v) {
  std::string s = ascii_lower(v);
  if (s == "yes" || s == "true" || s == "1" || s == "on") return true;
  if (s == "no" || s == "false" || s == "0" || s == "off") return false;
  return std::nullopt;
}

std::optional<uint64_t> parse_uint(std::string_view v, int base = 10) {
  if (v.empty() || v.size() > 20) return std::nullopt;
  std::string s(v);
  char* end = nullptr;
  errno = 0;
  unsigned long long n = strtoull(s.c_str(), &end, base);
  if (errno || *end || s[0] == '-') return std::nullopt;
  return n;
}

std::vector<std::string> parse_list(std::string_view v) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : v) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// "veto files = /*.tmp/.secret/" -> {"*.tmp", ".secret"}
std::vector<std::string> parse_slash_list(std::string_view v) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : v) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::optional<Tristate> parse_tristate(std::string_view v) {
  std::string s = ascii_lower(v);
  if (s == "auto" || s == "default" || s == "if_required" || s == "enabled" || s == "desired" ||
      s == "if required")
    return Tristate::kAuto;
  if (s == "mandatory" || s == "required" || s == "forced") return Tristate::kMandatory;
  if (s == "disabled" || s == "off" || s == "no" || s == "false") return Tristate::kDisabled;
  if (s == "yes" || s == "true" || s == "on") return Tristate::kAuto;
  return std::nullopt;
}

struct Parser {
  std::string file;
  int line = 0;
  Config cfg;
  std::vector<ConfigIssue> issues;
  ShareConfig* share = nullptr;   // current section, nullptr in [global]
  bool skip_section = false;
  ShareConfig defaults;           // share settings given in [global] apply to every share

  void issue(bool fatal, const std::string& m) {
    issues.push_back({line, fatal, file + ":" + std::to_string(line) + ": " + m});
  }
  void bad(std::string_view key, std::string_view val) {
    issue(true, "invalid value '" + std::string(val) + "' for '" + std::string(key) + "'");
  }

  void section(std::string_view name) {
    skip_section = false;
    std::string n = ascii_lower(name);
    if (n == "global") { share = nullptr; return; }
    if (n == "homes" || n == "printers" || n == "print$") {
      issue(false, "section [" + std::string(name) + "] is not supported; ignored");
      skip_section = true;
      return;
    }
    if (name.empty() || name.size() > 80 || name.find_first_of("\\/:*?\"<>|") != std::string_view::npos) {
      issue(true, "invalid share name [" + std::string(name) + "]");
      skip_section = true;
      return;
    }
    for (auto& s : cfg.shares)
      if (ascii_lower(s.name) == n) {
        issue(true, "duplicate share [" + std::string(name) + "]");
        skip_section = true;
        return;
      }
    cfg.shares.push_back(defaults);
    share = &cfg.shares.back();
    share->name = std::string(name);
    share->is_ipc = n == "ipc$";
  }

  bool share_key(ShareConfig& s, const std::string& k, std::string_view key, std::string_view v) {
    auto b = [&](bool& dst, bool invert = false) {
      auto x = parse_bool(v);
      if (!x) bad(key, v); else dst = invert ? !*x : *x;
    };
    auto mask = [&](uint32_t& dst) {
      auto x = parse_uint(v, 8);
      if (!x || *x > 07777) bad(key, v); else dst = uint32_t(*x);
    };
    if (k == "path" || k == "directory") s.path = std::string(v);
    else if (k == "comment") s.comment = std::string(v);
    else if (k == "readonly") b(s.read_only);
    else if (k == "writeable" || k == "writable" || k == "writeok") b(s.read_only, true);
    else if (k == "browseable" || k == "browsable") b(s.browseable);
    else if (k == "guestok" || k == "public") b(s.guest_ok);
    else if (k == "validusers") s.valid_users = parse_list(v);
    else if (k == "invalidusers") s.invalid_users = parse_list(v);
    else if (k == "readlist") s.read_list = parse_list(v);
    else if (k == "writelist") s.write_list = parse_list(v);
    else if (k == "hostsallow" || k == "allowhosts") s.hosts_allow = parse_list(v);
    else if (k == "hostsdeny" || k == "denyhosts") s.hosts_deny = parse_list(v);
    else if (k == "createmask" || k == "createmode") mask(s.create_mask);
    else if (k == "directorymask" || k == "directorymode") mask(s.directory_mask);
    else if (k == "vetofiles") s.veto_files = parse_slash_list(v);
    else if (k == "hidefiles") s.hide_files = parse_slash_list(v);
    else if (k == "hidedotfiles") b(s.hide_dot_files);
    else if (k == "followsymlinks") b(s.follow_symlinks);
    else if (k == "oplocks") b(s.oplocks);
    else if (k == "storedosattributes") b(s.store_dos_attributes);
    else if (k == "forceuser") s.force_user = std::string(v);
    else if (k == "forcegroup") s.force_group = std::string(v);
    else if (k == "maxconnections") {
      auto x = parse_uint(v);
      if (!x || *x > 1000000) bad(key, v); else s.max_connections = uint32_t(*x);
    } else if (k == "smb3encryption" || k == "serversmbencrypt") {
      auto x = parse_tristate(v);
      if (!x) bad(key, v); else s.smb3_encryption = *x;
    } else if (k == "streams") {
      b(s.streams);
    } else if (k == "manglednames") {
      // Samba's values: yes, no, illegal (mangle only names that need it,
      // which is what "yes" means here too).
      if (ascii_lower(v) == "illegal") s.mangled_names = true;
      else b(s.mangled_names);
    } else if (k == "vfsobjects") {
      // Only streams_xattr (or streams_depot) has an effect here: without it
      // in the list a share has no named streams, as on Samba.
      bool with_streams = false;
      for (const std::string& m : parse_list(v))
        if (ascii_lower(m) == "streams_xattr" || ascii_lower(m) == "streams_depot") with_streams = true;
      s.streams = with_streams;
    } else if (k == "available" || k == "easupport" || k == "guestonly" ||
               k == "inheritowner" || k == "inheritperms" ||
               k == "crossmounts" || k == "acls" || k == "nfsacls")
      ;  // accepted; takes effect when the feature that reads it exists
    else return false;
    return true;
  }

  void global_key(const std::string& k, std::string_view key, std::string_view v) {
    GlobalConfig& g = cfg.global;
    auto u32 = [&](uint32_t& dst, uint64_t max) {
      auto x = parse_uint(v);
      if (!x || *x > max) bad(key, v); else dst = uint32_t(*x);
    };
    auto tri = [&](Tristate& dst) {
      auto x = parse_tristate(v);
      if (!x) bad(key, v); else dst = *x;
    };
    if (k == "workgroup") g.workgroup = std::string(v);
    else if (k == "netbiosname") g.netbios_name = std::string(v);
    else if (k == "serverstring") g.server_string = std::string(v);
    else if (k == "tcpport" || k == "smbports") {
      auto ports = parse_list(v);
      auto x = ports.empty() ? std::nullopt : parse_uint(ports[0]);
      if (!x || *x == 0 || *x > 65535) bad(key, v); else g.tcp_port = uint16_t(*x);
    } else if (k == "interfaces") g.interfaces = parse_list(v);
    else if (k == "bindinterfacesonly") {
      auto x = parse_bool(v);
      if (!x) bad(key, v); else g.bind_interfaces_only = *x;
    } else if (k == "serverminprotocol" || k == "minprotocol") {
      auto x = parse_protocol(v);
      if (!x) bad(key, v); else g.min_protocol = *x;
    } else if (k == "servermaxprotocol" || k == "maxprotocol") {
      auto x = parse_protocol(v);
      if (!x) bad(key, v); else g.max_protocol = *x;
    } else if (k == "maptoguest") {
      std::string s = norm_key(v);
      if (s == "never") g.map_to_guest = MapToGuest::kNever;
      else if (s == "baduser") g.map_to_guest = MapToGuest::kBadUser;
      else if (s == "badpassword") g.map_to_guest = MapToGuest::kBadPassword;
      else bad(key, v);
    } else if (k == "guestaccount") g.guest_account = std::string(v);
    else if (k == "maxconnections") u32(g.max_connections, 1000000);
    else if (k == "maxipconnections") u32(g.max_ip_connections, 1000000);
    else if (k == "logintimeout") u32(g.login_timeout, 86400);
    else if (k == "sessionexpiry") u32(g.session_expiry, 100000000);
    else if (k == "maxopenfiles") u32(g.max_open_files, 1000000);
    else if (k == "oplockbreaktimeout") u32(g.oplock_break_timeout, 3600);
    else if (k == "piddirectory") g.pid_directory = std::string(v);
    else if (k == "statedirectory" || k == "lockdirectory") g.state_directory = std::string(v);
    else if (k == "passdb" || k == "pwddb" || k == "passdbpath") g.passdb_path = std::string(v);
    else if (k == "realm") g.realm = std::string(v);
    else if (k == "kerberoskeytab" || k == "dedicatedkeytabfile") g.kerberos_keytab = std::string(v);
    else if (k == "serverkerberos") {
      std::string s = ascii_lower(v);
      if (s == "auto") g.server_kerberos = Tristate::kAuto;
      else if (s == "yes" || s == "true" || s == "required" || s == "mandatory") g.server_kerberos = Tristate::kMandatory;
      else if (s == "no" || s == "false" || s == "off" || s == "disabled") g.server_kerberos = Tristate::kDisabled;
      else bad(key, v);
    }
    else if (k == "serversigning") tri(g.server_signing);
    else if (k == "smb3encryption" || k == "serversmbencrypt") tri(g.smb3_encryption);
    else if (k == "ntlmauth") {
      std::string s = norm_key(v);
      if (s == "ntlmv2-only" || s == "no" || s == "false" || s == "disabled") g.ntlm_auth = false;
      else if (s == "yes" || s == "true" || s == "ntlmv1-permitted") g.ntlm_auth = true;
      else bad(key, v);
    } else if (k == "restrictanonymous") u32(g.restrict_anonymous, 2);
    else if (k == "smb2leases") {
      auto x = parse_bool(v);
      if (!x) bad(key, v); else g.smb2_leases = *x;
    } else if (k == "smb3directoryleases") {
      auto x = parse_bool(v);
      if (!x) bad(key, v); else g.smb3_directory_leases = *x;
    } else if (k == "smb3unixextensions") {
      auto x = parse_bool(v);
      if (!x) bad(key, v); else g.smb3_unix_extensions = *x;
    } else if (k == "durablehandles") {
      auto x = parse_bool(v);
      if (!x) bad(key, v); else g.durable_handles = *x;
    } else if (k == "servermultichannelsupport") {
      auto x = parse_bool(v);
      if (!x) bad(key, v); else g.server_multi_channel = *x;
    } else if (k == "maxchannelspersession") {
      u32(g.max_channels_per_session, 256);
      if (g.max_channels_per_session == 0) g.max_channels_per_session = 1;
    } else if (k == "smb2maxread") u32(g.smb2_max_read, 8u << 20);
    else if (k == "smb2maxwrite") u32(g.smb2_max_write, 8u << 20);
    else if (k == "smb2maxtrans") u32(g.smb2_max_trans, 8u << 20);
    else if (k == "smb2maxcredits") u32(g.smb2_max_credits, 65535);
    else if (k == "serviceuser" || k == "runasuser") g.service_user = std::string(v);
    else if (k == "loglevel") {
      std::string s = ascii_lower(v);
      if (s == "error" || s == "warn" || s == "info" || s == "debug" || s == "0" || s == "1" ||
          s == "2" || s == "3" || s == "4" || s == "5" || s == "10")
        g.log_level = s;
      else bad(key, v);
    } else if (k == "serverrole" || k == "security" || k == "serverstring" ||
               k == "servermultichannelsupport" || k == "kerberos" || k == "disablenetbios" ||
               k == "logfile" || k == "ipcmaxsize" || k == "deadtime" || k == "tcpsendbuf" ||
               k == "tcprecvbuf" || k == "smb2maxcreditsperclient")
      ;  // accepted; takes effect when the feature that reads it exists
    else if (share_key(defaults, k, key, v))
      ;  // a share parameter in [global] is every share's default
    else
      issue(false, "unknown parameter '" + std::string(key) + "' ignored");
  }

  void pair(std::string_view key, std::string_view value) {
    if (skip_section) return;
    std::string k = norm_key(key);
    if (!share) { global_key(k, key, value); return; }
    if (!share_key(*share, k, key, value)) issue(false, "unknown parameter '" + std::string(key) + "' ignored");
  }

  void finish() {
    bool have_ipc = false;
    for (auto& s : cfg.shares) {
      if (s.is_ipc) { have_ipc = true; s.path.clear(); s.read_only = true; s.browseable = false; continue; }
      if (s.path.empty()) issue(true, "share [" + s.name + "] has no path");
      else if (s.path[0] != '/') issue(true, "share [" + s.name + "] path must be absolute");
    }
    if (!have_ipc) {
      ShareConfig ipc;
      ipc.name = "IPC$";
      ipc.comment = "IPC Service";
      ipc.is_ipc = true;
      ipc.browseable = false;
      ipc.guest_ok = true;
      cfg.shares.push_back(ipc);
    }
    if (cfg.global.min_protocol > cfg.global.max_protocol)
      issue(true, "server min protocol is above server max protocol");
  }
};

struct TextStream {
  std::string_view text;
  size_t pos = 0;
  Parser* parser;
};

// Feeds inih one line at a time, and fixes up what the distribution's inih
// build would get wrong for smb.conf:
//  - smb.conf indents parameters; inih (INI_ALLOW_MULTILINE) would take an
//    indented line as a continuation of the previous value, so leading
//    blanks are stripped here;
//  - inih is built without INI_CALL_HANDLER_ON_NEW_SECTION, so a section
//    header is recognised here and reported to the parser directly (this also
//    registers sections that have no parameters);
//  - a line longer than inih's buffer would be split into two bogus lines;
//    it is consumed whole and reported as a fatal error instead.
char* read_line(char* str, int num, void* stream) {
  auto* ts = static_cast<TextStream*>(stream);
  if (ts->pos >= ts->text.size() || num < 3) return nullptr;
  size_t end = ts->text.find('\n', ts->pos);
  size_t stop = end == std::string_view::npos ? ts->text.size() : end + 1;
  std::string_view line = ts->text.substr(ts->pos, stop - ts->pos);
  ts->pos = stop;
  ts->parser->line++;
  while (!line.empty() && (line[0] == ' ' || line[0] == '\t')) line.remove_prefix(1);
  if (line.size() > size_t(num - 1)) {
    ts->parser->issue(true, "line longer than " + std::to_string(num - 2) + " characters");
    str[0] = '\n';
    str[1] = 0;
    return str;
  }
  if (!line.empty() && line[0] == '[') {
    size_t close = line.find(']');
    if (close != std::string_view::npos) ts->parser->section(line.substr(1, close - 1));
  }
  std::memcpy(str, line.data(), line.size());
  str[line.size()] = 0;
  return str;
}

int on_entry(void* user, const char* /*section*/, const char* name, const char* value) {
  auto* p = static_cast<Parser*>(user);
  // Sections are handled in read_line(); an inih built with
  // INI_CALL_HANDLER_ON_NEW_SECTION would also call here with name == nullptr.
  if (!name) return 1;
  p->pair(name, value ? value : "");
  return 1;
}

}  // namespace

const ShareConfig* Config::find_share(std::string_view name) const {
  std::string n = ascii_lower(name);
  for (auto& s : shares)
    if (ascii_lower(s.name) == n) return &s;
  return nullptr;
}

std::optional<uint16_t> parse_protocol(std::string_view v) {
  std::string s = ascii_upper(v);
  if (s == "SMB2" || s == "SMB2_02" || s == "SMB2_0") return kSmb202;
  if (s == "SMB2_10" || s == "SMB2_1" || s == "SMB2_21") return kSmb210;
  if (s == "SMB3" || s == "SMB3_00" || s == "SMB3_0") return kSmb300;
  if (s == "SMB3_02" || s == "SMB3_2") return kSmb302;
  if (s == "SMB3_11" || s == "SMB3_1_1" || s == "SMB3_1") return kSmb311;
  if (s == "NT1" || s == "SMB1" || s == "LANMAN1" || s == "LANMAN2" || s == "CORE" || s == "COREPLUS")
    return kSmb202;  // SMB1 dialects are answered with SMB2 (see smb.conf(5))
  return std::nullopt;
}

const char* protocol_name(uint16_t d) {
  switch (d) {
    case kSmb202: return "SMB2_02";
    case kSmb210: return "SMB2_10";
    case kSmb300: return "SMB3_00";
    case kSmb302: return "SMB3_02";
    case kSmb311: return "SMB3_11";
  }
  return "unknown";
}

ConfigResult parse_config_text(std::string_view text, std::string_view file_name) {
  Parser p;
  p.file = std::string(file_name);
  TextStream ts{text, 0, &p};
  int rc = ini_parse_stream(read_line, &ts, on_entry, &p);
  if (rc > 0) {
    p.line = rc;
    p.issue(true, "syntax error");
  } else if (rc < 0) {
    p.issue(true, "could not be parsed");
  }
  p.finish();
  ConfigResult res;
  p.cfg.source_text = std::string(text);
  bool fatal = false;
  for (auto& i : p.issues) fatal |= i.fatal;
  res.issues = std::move(p.issues);
  if (!fatal) res.config = std::move(p.cfg);
  return res;
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigResult r;
    r.issues.push_back({0, true, path + ": cannot open: " + std::strerror(errno)});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 100 * 1024) {
    ConfigResult r;
    r.issues.push_back({0, true, path + ": larger than 100 KiB"});
    return r;
  }
  return parse_config_text(text, path);
}

static std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string o;
  for (size_t i = 0; i < v.size(); i++) o += (i ? sep : "") + v[i];
  return o;
}

static const char* tri_name(Tristate t) {
  switch (t) {
    case Tristate::kDisabled: return "disabled";
    case Tristate::kAuto: return "auto";
    case Tristate::kMandatory: return "mandatory";
  }
  return "?";
}

std::string dump_config(const Config& c) {
  std::ostringstream o;
  const GlobalConfig& g = c.global;
  o << "[global]\n"
    << "\tworkgroup = " << g.workgroup << "\n"
    << "\tnetbios name = " << g.netbios_name << "\n"
    << "\tserver string = " << g.server_string << "\n"
    << "\ttcp port = " << g.tcp_port << "\n"
    << "\tinterfaces = " << join(g.interfaces) << "\n"
    << "\tbind interfaces only = " << (g.bind_interfaces_only ? "yes" : "no") << "\n"
    << "\tserver min protocol = " << protocol_name(g.min_protocol) << "\n"
    << "\tserver max protocol = " << protocol_name(g.max_protocol) << "\n"
    << "\tmap to guest = "
    << (g.map_to_guest == MapToGuest::kNever ? "never"
        : g.map_to_guest == MapToGuest::kBadUser ? "bad user" : "bad password") << "\n"
    << "\tguest account = " << g.guest_account << "\n"
    << "\tmax connections = " << g.max_connections << "\n"
    << "\tmax ip connections = " << g.max_ip_connections << "\n"
    << "\tlogin timeout = " << g.login_timeout << "\n"
    << "\tsession expiry = " << g.session_expiry << "\n"
    << "\tmax open files = " << g.max_open_files << "\n"
    << "\toplock break timeout = " << g.oplock_break_timeout << "\n"
    << "\tpid directory = " << g.pid_directory << "\n"
    << "\tstate directory = " << g.state_directory << "\n"
    << "\tserver signing = " << tri_name(g.server_signing) << "\n"
    << "\trealm = " << g.realm << "\n"
    << "\tkerberos keytab = " << g.kerberos_keytab << "\n"
    << "\tserver kerberos = "
    << (g.server_kerberos == Tristate::kAuto ? "auto" : g.server_kerberos == Tristate::kMandatory ? "yes" : "no")
    << "\n"
    << "\tsmb3 encryption = " << tri_name(g.smb3_encryption) << "\n"
    << "\tntlm auth = " << (g.ntlm_auth ? "yes" : "ntlmv2-only") << "\n"
    << "\trestrict anonymous = " << g.restrict_anonymous << "\n"
    << "\tsmb2 leases = " << (g.smb2_leases ? "yes" : "no") << "\n"
    << "\tsmb3 directory leases = " << (g.smb3_directory_leases ? "yes" : "no") << "\n"
    << "\tdurable handles = " << (g.durable_handles ? "yes" : "no") << "\n"
    << "\tsmb3 unix extensions = " << (g.smb3_unix_extensions ? "yes" : "no") << "\n"
    << "\tserver multi channel support = " << (g.server_multi_channel ? "yes" : "no") << "\n"
    << "\tmax channels per session = " << g.max_channels_per_session << "\n"
    << "\tsmb2 max read = " << g.smb2_max_read << "\n"
    << "\tsmb2 max write = " << g.smb2_max_write << "\n"
    << "\tsmb2 max trans = " << g.smb2_max_trans << "\n"
    << "\tsmb2 max credits = " << g.smb2_max_credits << "\n"
    << "\tservice user = " << g.service_user << "\n"
    << "\tlog level = " << g.log_level << "\n";
  for (auto& s : c.shares) {
    o << "\n[" << s.name << "]\n";
    if (s.is_ipc) { o << "\t; inter-process communication share\n"; continue; }
    char cm[16], dm[16];
    snprintf(cm, sizeof cm, "%04o", s.create_mask);
    snprintf(dm, sizeof dm, "%04o", s.directory_mask);
    o << "\tpath = " << s.path << "\n"
      << "\tcomment = " << s.comment << "\n"
      << "\tread only = " << (s.read_only ? "yes" : "no") << "\n"
      << "\tbrowseable = " << (s.browseable ? "yes" : "no") << "\n"
      << "\tguest ok = " << (s.guest_ok ? "yes" : "no") << "\n"
      << "\tvalid users = " << join(s.valid_users) << "\n"
      << "\tinvalid users = " << join(s.invalid_users) << "\n"
      << "\tread list = " << join(s.read_list) << "\n"
      << "\twrite list = " << join(s.write_list) << "\n"
      << "\thosts allow = " << join(s.hosts_allow) << "\n"
      << "\thosts deny = " << join(s.hosts_deny) << "\n"
      << "\tcreate mask = " << cm << "\n"
      << "\tdirectory mask = " << dm << "\n"
      << "\tveto files = " << (s.veto_files.empty() ? "" : "/" + join(s.veto_files, "/") + "/") << "\n"
      << "\thide files = " << (s.hide_files.empty() ? "" : "/" + join(s.hide_files, "/") + "/") << "\n"
      << "\thide dot files = " << (s.hide_dot_files ? "yes" : "no") << "\n"
      << "\tfollow symlinks = " << (s.follow_symlinks ? "yes" : "no") << "\n"
      << "\toplocks = " << (s.oplocks ? "yes" : "no") << "\n";
  }
  return o.str();
}

std::string default_config_path() { return std::string(SYSCONFDIR) + "/cifsd/smb.conf"; }
std::string default_passdb_path() { return std::string(SYSCONFDIR) + "/cifsd/cifsdpwd.db"; }

bool user_in_list(const std::vector<std::string>& list, std::string_view user,
                  const std::vector<std::string>& user_groups) {
  std::string u = ascii_lower(user);
  for (auto& e : list) {
    if (!e.empty() && (e[0] == '@' || e[0] == '+')) {
      std::string g = ascii_lower(std::string_view(e).substr(1));
      for (auto& ug : user_groups)
        if (ascii_lower(ug) == g) return true;
    } else if (ascii_lower(e) == u) {
      return true;
    }
  }
  return false;
}

// Entries: an address, a CIDR prefix (10.0.0.0/8), a Samba-style prefix
// ("192.168.1."), ALL, or "EXCEPT" which is not supported and matches nothing.
bool host_matches(const std::vector<std::string>& list, std::string_view client_ip) {
  std::string ip(client_ip);
  if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) ip = ip.substr(7);
  for (auto& e : list) {
    std::string le = ascii_lower(e);
    if (le == "all") return true;
    if (le == "localhost" && (ip == "127.0.0.1" || ip == "::1")) return true;
    if (le == ip) return true;
    if (!e.empty() && e.back() == '.' && ip.rfind(e, 0) == 0) return true;
    size_t slash = e.find('/');
    if (slash == std::string::npos) continue;
    std::string net = e.substr(0, slash);
    auto bits = parse_uint(std::string_view(e).substr(slash + 1));
    unsigned char a[16], b[16];
    int fam = net.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    size_t len = fam == AF_INET ? 4 : 16;
    if (!bits || *bits > len * 8) continue;
    if (inet_pton(fam, net.c_str(), a) != 1 || inet_pton(fam, ip.c_str(), b) != 1) continue;
    size_t nb = size_t(*bits);
    bool match = true;
    for (size_t i = 0; i < len && match; i++) {
      size_t keep = nb >= (i + 1) * 8 ? 8 : nb > i * 8 ? nb - i * 8 : 0;
      unsigned char m = keep ? uint8_t(0xFF << (8 - keep)) : 0;
      if ((a[i] & m) != (b[i] & m)) match = false;
    }
    if (match) return true;
  }
  return false;
}

bool host_allowed(const ShareConfig& s, std::string_view client_ip) {
  // As in Samba: an address in "hosts allow" wins over "hosts deny".
  if (!s.hosts_allow.empty() && host_matches(s.hosts_allow, client_ip)) return true;
  if (!s.hosts_deny.empty() && host_matches(s.hosts_deny, client_ip)) return false;
  return s.hosts_allow.empty();
}

}  // namespace cifsd
