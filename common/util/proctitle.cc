#include "common/util/proctitle.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace cifsd::proctitle {
namespace {

char* g_begin = nullptr;  // start of argv[0]
char* g_end = nullptr;    // one past the last byte we may overwrite
// The relocated environment; never freed (getenv() keeps pointing into it).
std::vector<std::string>* g_env_store = nullptr;
std::vector<char*>* g_env_ptrs = nullptr;

}  // namespace

void init(int argc, char** argv) {
  if (argc <= 0 || !argv || !argv[0] || g_begin) return;
  g_begin = argv[0];
  g_end = argv[0] + strlen(argv[0]) + 1;
  // Only strings laid out contiguously after argv[0] (the kernel's layout)
  // belong to the writable area.
  for (int i = 1; i < argc; ++i)
    if (argv[i] == g_end) g_end = argv[i] + strlen(argv[i]) + 1;
  size_t n = 0;
  for (char** e = environ; e && *e; ++e) ++n;
  g_env_store = new std::vector<std::string>();  // intentionally immortal
  g_env_ptrs = new std::vector<char*>();
  g_env_store->reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (environ[i] == g_end) g_end = environ[i] + strlen(environ[i]) + 1;
    g_env_store->emplace_back(environ[i]);
  }
  for (std::string& s : *g_env_store) g_env_ptrs->push_back(s.data());
  g_env_ptrs->push_back(nullptr);
  environ = g_env_ptrs->data();
  // argv[1..] keep pointing into the area we will overwrite: callers parse
  // options before setting a title.
}

void set(const char* fmt, ...) {
  char title[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(title, sizeof title, fmt, ap);
  va_end(ap);
  char comm[16] = {};
  memcpy(comm, title, strnlen(title, sizeof comm - 1));
  if (char* colon = strchr(comm, ':')) *colon = '\0';
  prctl(PR_SET_NAME, comm, 0, 0, 0);
  if (!g_begin || g_end <= g_begin) return;
  size_t room = size_t(g_end - g_begin);
  size_t len = strnlen(title, room - 1);
  memcpy(g_begin, title, len);
  memset(g_begin + len, 0, room - len);
}

}  // namespace cifsd::proctitle
