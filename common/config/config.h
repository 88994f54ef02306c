#pragma once
// smb.conf model shared by every process. The master reads the file and hands
// the exact text it validated to each child, which parses it with this same
// code: one parser, no second serialization format.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cifsd {

enum class MapToGuest { kNever, kBadUser, kBadPassword };
enum class Tristate { kDisabled, kAuto, kMandatory };

// Dialect numbers as on the wire.
constexpr uint16_t kSmb202 = 0x0202, kSmb210 = 0x0210, kSmb300 = 0x0300, kSmb302 = 0x0302,
                   kSmb311 = 0x0311;

struct ShareConfig {
  std::string name;  // as written; compared case-insensitively
  std::string path;
  std::string comment;
  bool read_only = true;
  bool browseable = true;
  bool guest_ok = false;
  bool is_ipc = false;
  std::vector<std::string> valid_users;    // empty: everyone
  std::vector<std::string> invalid_users;
  std::vector<std::string> read_list;
  std::vector<std::string> write_list;
  std::vector<std::string> hosts_allow;    // empty: everyone
  std::vector<std::string> hosts_deny;
  uint32_t create_mask = 0744;
  uint32_t directory_mask = 0755;
  std::vector<std::string> veto_files;     // patterns from "/a/b*/" syntax
  std::vector<std::string> hide_files;     // reported HIDDEN; same syntax as veto_files
  bool hide_dot_files = true;
  bool follow_symlinks = false;
  bool oplocks = true;
  bool store_dos_attributes = true;
  std::string force_user;
  std::string force_group;
  std::optional<Tristate> smb3_encryption;  // unset: the global setting
  uint32_t max_connections = 0;             // 0: unlimited
  // Named streams in xattrs ("streams = yes|no"; a "vfs objects" list
  // without streams_xattr turns them off, as on Samba). docs/streams.md
  bool streams = true;
  // 8.3 short names ("mangled names = yes|no|illegal"). docs/short-names.md
  bool mangled_names = true;
};

struct GlobalConfig {
  std::string workgroup = "WORKGROUP";
  std::string netbios_name = "CIFSD";
  std::string server_string = "cifsd file server";
  uint16_t tcp_port = 445;
  std::vector<std::string> interfaces;   // addresses or names; empty: all
  bool bind_interfaces_only = false;
  uint16_t min_protocol = kSmb202;
  uint16_t max_protocol = kSmb311;
  MapToGuest map_to_guest = MapToGuest::kNever;
  std::string guest_account = "nobody";
  uint32_t max_connections = 0;          // 0: unlimited
  uint32_t max_ip_connections = 0;
  // Seconds a connection may stay without a valid session ("login timeout");
  // 0: forever. Bounds what half-open and never-authenticating clients hold.
  uint32_t login_timeout = 120;
  // Seconds after an authentication at which a session expires and must
  // re-authenticate (STATUS_NETWORK_SESSION_EXPIRED); 0: never.
  uint32_t session_expiry = 0;
  uint32_t max_open_files = 10000;
  // Seconds the broker waits for an oplock/lease break acknowledgment before
  // breaking on its own (MS-SMB2 3.3.6.1: 35 s).
  uint32_t oplock_break_timeout = 35;
  std::string pid_directory = RUNSTATEDIR "/cifsd";
  std::string state_directory = LOCALSTATEDIR "/lib/cifsd";
  std::string passdb_path;               // "" means SYSCONFDIR/cifsd/cifsdpwd.db
  // Kerberos logons (docs/kerberos.md): the realm whose user principals may
  // log on ("" disables Kerberos), the keytab smbd-auth accepts tickets with,
  // and "server kerberos": kAuto = on when realm is set and the keytab is
  // usable, kMandatory ("yes") = on (an unusable keytab is logged as an
  // error), kDisabled = off.
  std::string realm;
  std::string kerberos_keytab = "/etc/krb5.keytab";
  Tristate server_kerberos = Tristate::kAuto;
  Tristate server_signing = Tristate::kAuto;
  Tristate smb3_encryption = Tristate::kAuto;
  bool ntlm_auth = false;                // NTLMv1/LM allowed
  uint32_t restrict_anonymous = 0;
  bool smb2_leases = true;
  bool smb3_directory_leases = false;  // directory leases (3.x; needs smb2 leases)
  bool durable_handles = true;
  // SMB 3.1.1 POSIX extensions (docs/posix-extensions.md) for clients that ask.
  bool smb3_unix_extensions = true;
  // SMB 3.x multichannel (docs/multichannel.md): advertise
  // SMB2_GLOBAL_CAP_MULTI_CHANNEL and accept session binding.
  bool server_multi_channel = true;
  uint32_t max_channels_per_session = 32;
  uint32_t smb2_max_read = 8 << 20;
  uint32_t smb2_max_write = 8 << 20;
  uint32_t smb2_max_trans = 8 << 20;
  uint32_t smb2_max_credits = 8192;
  std::string service_user = "nobody";  // unprivileged user the master runs as
  std::string log_level = "info";
};

struct Config {
  GlobalConfig global;
  std::vector<ShareConfig> shares;  // always contains IPC$ after parsing
  std::string source_text;          // the text parsed, passed on to children

  const ShareConfig* find_share(std::string_view name) const;
};

struct ConfigIssue {
  int line = 0;
  bool fatal = false;
  std::string message;
};

struct ConfigResult {
  std::optional<Config> config;  // empty when a fatal issue was found
  std::vector<ConfigIssue> issues;
};

ConfigResult parse_config_text(std::string_view text, std::string_view file_name);
ConfigResult load_config_file(const std::string& path);
// Prints the effective settings, as "smbd-master -t" shows them.
std::string dump_config(const Config& c);

std::string default_config_path();
std::string default_passdb_path();

// Helpers shared by the session (access checks) and tests.
bool user_in_list(const std::vector<std::string>& list, std::string_view user,
                  const std::vector<std::string>& user_groups);
bool host_allowed(const ShareConfig& s, std::string_view client_ip);
bool host_matches(const std::vector<std::string>& list, std::string_view client_ip);
std::optional<uint16_t> parse_protocol(std::string_view s);
const char* protocol_name(uint16_t dialect);

}  // namespace cifsd
