#pragma once
// fork+exec of the suite's programs with a fixed descriptor layout and the
// ambient capabilities the role needs (see privileges.h).
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace cifsd::master {

struct SpawnSpec {
  std::string path;                         // absolute path of the program
  std::vector<std::string> argv;            // argv[0] included
  std::vector<std::pair<int, int>> fds;     // (descriptor here, number in the child)
  std::vector<int> ambient_caps;            // handed over if we hold them
  int stderr_fd = -1;                       // -1: inherit ours
};

// Returns the child's pid, or -1. Every descriptor not named in spec.fds
// (and 0-2) is closed in the child.
pid_t spawn(const SpawnSpec& spec);

// The directory of the running executable (read once at start-up, before the
// privilege drop makes /proc/self/exe unreadable).
std::string self_dir();

// Finds `name` next to the master: <dir>/<name>, or in the build tree
// <dir>/../<name>/<name>. Empty if not found.
std::string find_program(const std::string& dir, const std::string& name);

}  // namespace cifsd::master
