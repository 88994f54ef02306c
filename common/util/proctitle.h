#pragma once
// Process titles visible in ps(1), e.g. "smbd-session: alice 127.0.0.1".
// init() must be called early in main() with main's argc/argv; it moves the
// environment out of the way so the title may use the argv+environ area.
namespace cifsd::proctitle {

void init(int argc, char** argv);
// Sets the title (printf-style). Also sets the kernel's comm name (first 15
// bytes) with prctl(PR_SET_NAME) so top/pidof see the role.
void set(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace cifsd::proctitle
