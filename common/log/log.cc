#include "common/log/log.h"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace cifsd::log {
namespace {
const char* g_ident = "cifsd";
bool g_syslog = false;
Level g_level = kInfo;
char g_prefix[128] = "";
const char* kNames[] = {"error", "warn", "info", "debug"};
const int kSyslogPrio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
}  // namespace

void init(const char* ident, bool use_syslog, Level max_level) {
  g_ident = ident;
  g_syslog = use_syslog;
  g_level = max_level;
  if (use_syslog) openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}
void set_level(Level max_level) { g_level = max_level; }
Level level() { return g_level; }
void set_prefix(const char* prefix) { snprintf(g_prefix, sizeof g_prefix, "%s", prefix); }

void msg(Level lvl, const char* fmt, ...) {
  if (lvl > g_level) return;
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  // One line per message: control characters from peers cannot forge lines.
  for (char* p = text; *p; p++)
    if ((unsigned char)*p < 0x20) *p = '?';
  if (g_syslog) {
    syslog(kSyslogPrio[lvl], "%s%s%s", g_prefix, g_prefix[0] ? ": " : "", text);
    return;
  }
  char line[1300];
  int n = snprintf(line, sizeof line, "%s[%d] %s: %s%s%s\n", g_ident, int(getpid()), kNames[lvl],
                   g_prefix, g_prefix[0] ? ": " : "", text);
  if (n > 0) {
    size_t len = size_t(n) < sizeof line ? size_t(n) : sizeof line - 1;
    ssize_t rc = write(STDERR_FILENO, line, len);  // one write: lines from processes do not interleave
    (void)rc;
  }
}

}  // namespace cifsd::log
