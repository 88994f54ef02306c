#pragma once
// Levelled logging to stderr (foreground, and sandboxed children whose stderr
// the master forwards) or syslog (daemon master and privileged helpers).
// Never pass a password, hash or key to these functions.
#include <cstdarg>

namespace cifsd::log {

enum Level { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

void init(const char* ident, bool use_syslog, Level max_level);
void set_level(Level max_level);
Level level();
void set_prefix(const char* prefix);  // e.g. "alice 127.0.0.1" for a session

void msg(Level lvl, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace cifsd::log

#define LOG_E(...) ::cifsd::log::msg(::cifsd::log::kError, __VA_ARGS__)
#define LOG_W(...) ::cifsd::log::msg(::cifsd::log::kWarn, __VA_ARGS__)
#define LOG_I(...) ::cifsd::log::msg(::cifsd::log::kInfo, __VA_ARGS__)
#define LOG_D(...) \
  do { if (::cifsd::log::level() >= ::cifsd::log::kDebug) ::cifsd::log::msg(::cifsd::log::kDebug, __VA_ARGS__); } while (0)
