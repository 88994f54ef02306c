// smbd-master: listener, supervisor and broker of the cifsd suite.
//   smbd-master [-n] [-C CONF] [-P PWDDB] [-p PORT] [-v]
//   smbd-master -t [-C CONF]     check the configuration and print it
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/config/config.h"
#include "common/util/proctitle.h"
#include "smbd-master/master.h"

using namespace cifsd;

namespace {

void usage(FILE* out) {
  fprintf(out,
          "usage: smbd-master [-n] [-C config] [-P passdb] [-p port] [-v]\n"
          "       smbd-master -t [-C config]\n"
          "  -n  stay in the foreground, log to stderr\n"
          "  -C  configuration file (default %s)\n"
          "  -P  password database (default: [global] passdb, else %s)\n"
          "  -p  TCP port (overrides 'tcp port')\n"
          "  -v  debug logging\n"
          "  -t  check the configuration, print the effective settings, exit\n",
          default_config_path().c_str(), default_passdb_path().c_str());
}

// -t: every issue with file:line, then the effective configuration. Unknown
// keys are warnings (usable), invalid values errors (not usable).
int test_config(const std::string& path) {
  ConfigResult r = load_config_file(path);
  int errors = 0, warnings = 0;
  for (const ConfigIssue& i : r.issues) {
    // Messages carry their "file:line: " already; put the severity after it.
    std::string loc = i.line > 0 ? path + ":" + std::to_string(i.line) + ": " : path + ": ";
    std::string text = i.message.rfind(loc, 0) == 0 ? i.message.substr(loc.size()) : i.message;
    if (text.rfind(path + ": ", 0) == 0) text = text.substr(path.size() + 2);
    fprintf(stderr, "%s%s: %s\n", loc.c_str(), i.fatal ? "error" : "warning", text.c_str());
    (i.fatal ? errors : warnings)++;
  }
  if (!r.config || errors) {
    fprintf(stderr, "%s: not usable (%d error(s), %d warning(s))\n", path.c_str(), errors, warnings);
    return 1;
  }
  fputs(dump_config(*r.config).c_str(), stdout);
  fprintf(stderr, "%s: OK (%d warning(s))\n", path.c_str(), warnings);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  master::Options o;
  o.config_path = default_config_path();
  bool test = false;
  int c;
  while ((c = getopt(argc, argv, "nC:P:p:vth")) != -1) {
    switch (c) {
      case 'n': o.foreground = true; break;
      case 'C': o.config_path = optarg; break;
      case 'P': o.passdb_path = optarg; break;
      case 'p': {
        char* end = nullptr;
        long p = strtol(optarg, &end, 10);
        if (!*optarg || *end || p < 1 || p > 65535) {
          fprintf(stderr, "smbd-master: invalid port '%s'\n", optarg);
          return 2;
        }
        o.port = int(p);
        break;
      }
      case 'v': o.verbose = true; break;
      case 't': test = true; break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (optind != argc) {
    usage(stderr);
    return 2;
  }
  if (test) return test_config(o.config_path);
  // Options are copied out of argv above; the title may now overwrite it.
  proctitle::init(argc, argv);
  master::Master m(std::move(o));
  return m.run();
}
