// smbd-adduser: add, update or delete a user in the cifsd password database.
//   smbd-adduser [-C CONF] [-P PWDDB] {-a|-u|-d} USER [-p PASSWORD]
// The database holds the NT hash only; the Unix account of the same name
// supplies uid and groups at logon, so -a requires it to exist.
#include <getopt.h>
#include <pwd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/crypto/md5.h"
#include "common/crypto/secret.h"
#include "smbd-auth/passdb.h"

namespace {

using cifsd::auth::Passdb;
namespace crypto = cifsd::crypto;

void usage(FILE* f) {
  std::fprintf(f,
               "usage: smbd-adduser [-C CONF] [-P PWDDB] {-a|-u|-d} USER [-p PASSWORD]\n"
               "  -a USER      add USER (the Unix user must exist)\n"
               "  -u USER      change USER's password\n"
               "  -d USER      delete USER\n"
               "  -p PASSWORD  password (prompted for when absent)\n"
               "  -C CONF      configuration file (default %s)\n"
               "  -P PWDDB     password database (default: [global] passdb, else %s)\n",
               cifsd::default_config_path().c_str(), cifsd::default_passdb_path().c_str());
}

// Reads one line from stdin without the newline. Returns false on EOF.
bool read_line(std::string* out) {
  out->clear();
  int c;
  while ((c = std::getchar()) != EOF && c != '\n') {
    out->push_back(char(c));
    if (out->size() > 1024) return false;
  }
  if (!out->empty() && out->back() == '\r') out->pop_back();
  return c != EOF || !out->empty();
}

bool prompt_password(const char* prompt, std::string* out) {
  std::fprintf(stderr, "%s", prompt);
  std::fflush(stderr);
  termios old{};
  bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios noecho = old;
    noecho.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
  }
  bool ok = read_line(out);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::fprintf(stderr, "\n");
  }
  return ok;
}

bool get_password(crypto::SecretString* pw) {
  if (!isatty(STDIN_FILENO)) {
    // Scripted use: one line from stdin.
    if (!read_line(&pw->str())) {
      std::fprintf(stderr, "smbd-adduser: no password on standard input\n");
      return false;
    }
    return true;
  }
  crypto::SecretString again;
  if (!prompt_password("New password: ", &pw->str()) ||
      !prompt_password("Retype new password: ", &again.str())) {
    std::fprintf(stderr, "smbd-adduser: no password given\n");
    return false;
  }
  if (pw->str() != again.str()) {
    std::fprintf(stderr, "smbd-adduser: passwords do not match\n");
    return false;
  }
  return true;
}

bool unix_user_exists(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{}, *res = nullptr;
  return getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res) == 0 && res;
}

// mkdir -p for the database's directory (0700 for the parts we create).
bool make_parent_dirs(const std::string& path) {
  for (size_t i = 1; i < path.size(); i++) {
    if (path[i] != '/') continue;
    std::string d = path.substr(0, i);
    if (mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "smbd-adduser: cannot create %s: %s\n", d.c_str(), std::strerror(errno));
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string conf_path, db_path, user;
  crypto::SecretString password;
  bool have_password = false;
  char mode = 0;
  int opt;
  while ((opt = getopt(argc, argv, "C:P:a:u:d:p:h")) != -1) {
    switch (opt) {
      case 'C': conf_path = optarg; break;
      case 'P': db_path = optarg; break;
      case 'a': case 'u': case 'd':
        if (mode) {
          std::fprintf(stderr, "smbd-adduser: give exactly one of -a, -u, -d\n");
          return 1;
        }
        mode = char(opt);
        user = optarg;
        break;
      case 'p':
        password.str() = optarg;
        // Hide it from ps as early as we can.
        std::memset(optarg, 'x', std::strlen(optarg));
        have_password = true;
        break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 1;
    }
  }
  if (!mode || optind != argc) {
    usage(stderr);
    return 1;
  }
  if (!Passdb::valid_name(user)) {
    std::fprintf(stderr, "smbd-adduser: invalid user name '%s'\n", user.c_str());
    return 1;
  }

  if (db_path.empty()) {
    bool explicit_conf = !conf_path.empty();
    if (!explicit_conf) conf_path = cifsd::default_config_path();
    if (access(conf_path.c_str(), F_OK) == 0 || explicit_conf) {
      cifsd::ConfigResult cr = cifsd::load_config_file(conf_path);
      if (!cr.config) {
        std::fprintf(stderr, "smbd-adduser: cannot use configuration %s\n", conf_path.c_str());
        for (auto& i : cr.issues)
          std::fprintf(stderr, "  line %d: %s\n", i.line, i.message.c_str());
        return 1;
      }
      db_path = cr.config->global.passdb_path;
    }
    if (db_path.empty()) db_path = cifsd::default_passdb_path();
  }

  Passdb db;
  std::vector<std::string> warnings;
  std::string err;
  if (!db.load(db_path, &warnings, &err)) {
    std::fprintf(stderr, "smbd-adduser: %s\n", err.c_str());
    return 1;
  }
  for (auto& w : warnings)
    std::fprintf(stderr, "smbd-adduser: warning: %s: %s (line dropped on save)\n",
                 db_path.c_str(), w.c_str());

  switch (mode) {
    case 'a':
      if (!unix_user_exists(user)) {
        std::fprintf(stderr, "smbd-adduser: no Unix user '%s'; create it with useradd first\n",
                     user.c_str());
        return 1;
      }
      if (db.find(user)) {
        std::fprintf(stderr, "smbd-adduser: user '%s' already exists (use -u to change the password)\n",
                     user.c_str());
        return 1;
      }
      break;
    case 'u':
      if (!db.find(user)) {
        std::fprintf(stderr, "smbd-adduser: user '%s' is not in %s\n", user.c_str(), db_path.c_str());
        return 1;
      }
      break;
    case 'd':
      if (!db.remove(user)) {
        std::fprintf(stderr, "smbd-adduser: user '%s' is not in %s\n", user.c_str(), db_path.c_str());
        return 1;
      }
      break;
  }
  if (mode != 'd') {
    if (!have_password && !get_password(&password)) return 1;
    db.set(user, crypto::nt_hash(password.str()));
  }
  if (!make_parent_dirs(db_path) || !db.save(db_path, &err)) {
    if (!err.empty()) std::fprintf(stderr, "smbd-adduser: %s\n", err.c_str());
    return 1;
  }
  const char* what = mode == 'a' ? "added" : mode == 'u' ? "updated" : "deleted";
  std::printf("smbd-adduser: user '%s' %s in %s\n", user.c_str(), what, db_path.c_str());
  return 0;
}
