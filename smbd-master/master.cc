#include "smbd-master/master.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "common/util/proctitle.h"
#include "smbd-master/listener.h"
#include "smbd-master/spawn.h"

namespace cifsd::master {

namespace {
constexpr int kShutdownGraceS = 5;

// True for a directory that is plausibly cifsd's own: not a well-known shared
// system directory, not sticky, not world-writable.
bool dedicated_directory(const std::string& path) {
  char real[PATH_MAX];
  if (!realpath(path.c_str(), real)) return false;
  for (const char* shared : {"/", "/run", "/var/run", "/tmp", "/var/tmp", "/var", "/var/lib",
                             "/etc", "/usr", "/home", "/dev", "/dev/shm", "/run/user"})
    if (strcmp(real, shared) == 0) return false;
  struct stat st{};
  if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  return !(st.st_mode & (S_ISVTX | S_IWOTH));
}
}  // namespace

log::Level parse_log_level(const std::string& s) {
  if (s == "error" || s == "0") return log::kError;
  if (s == "warn" || s == "warning" || s == "1") return log::kWarn;
  if (s == "info" || s == "2") return log::kInfo;
  if (s == "debug") return log::kDebug;
  // Samba-style numbers above 2 all mean "debug".
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) return log::kDebug;
  return log::kInfo;
}

Master::Master(Options o) : opts_(std::move(o)) { auth_.owner = rpc_.owner = this; }

Master::~Master() {
  // Events reference the base: free them first.
  auth_.ev.reset(); auth_.restart_timer.reset();
  rpc_.ev.reset(); rpc_.restart_timer.reset();
  for (auto& [pid, s] : sessions_) s->ev.reset();
  sessions_.clear();
  listeners_.clear();
  signal_events_.clear();
  kill_timer_.reset();
  caching_timer_.reset();
  stderr_ev_.reset();
  base_.reset();
}

bool Master::load_config(bool initial) {
  ConfigResult r = load_config_file(opts_.config_path);
  for (const ConfigIssue& i : r.issues) {  // messages carry their file:line
    if (i.fatal) LOG_E("%s", i.message.c_str());
    else LOG_W("%s", i.message.c_str());
  }
  if (!r.config) {
    LOG_E("%s: configuration not usable%s", opts_.config_path.c_str(),
          initial ? "" : "; keeping the previous one");
    return false;
  }
  if (!initial) {
    const GlobalConfig& o = config_.global;
    const GlobalConfig& n = r.config->global;
    if (o.tcp_port != n.tcp_port || o.interfaces != n.interfaces ||
        o.bind_interfaces_only != n.bind_interfaces_only)
      LOG_W("reload: listener settings changed; they take effect on restart only");
    if (o.service_user != n.service_user || o.pid_directory != n.pid_directory)
      LOG_W("reload: service user / pid directory changes take effect on restart only");
  }
  config_ = std::move(*r.config);
  passdb_ = !opts_.passdb_path.empty()         ? opts_.passdb_path
            : !config_.global.passdb_path.empty() ? config_.global.passdb_path
                                                  : default_passdb_path();
  level_ = opts_.verbose ? log::kDebug : parse_log_level(config_.global.log_level);
  log::set_level(level_);
  if (initial) port_ = opts_.port > 0 ? uint16_t(opts_.port) : config_.global.tcp_port;
  return true;
}

void Master::cb_signal(evutil_socket_t sig, short, void* arg) {
  auto* m = static_cast<Master*>(arg);
  switch (sig) {
    case SIGCHLD: m->on_sigchld(); break;
    case SIGHUP: m->on_sighup(); break;
    default: m->on_terminate(); break;
  }
}

void Master::cb_kill_timer(evutil_socket_t, short, void* arg) {
  auto* m = static_cast<Master*>(arg);
  LOG_W("children still alive after %d s; killing them", kShutdownGraceS);
  for (auto& [pid, s] : m->sessions_) kill(pid, SIGKILL);
  for (Helper* h : {&m->auth_, &m->rpc_})
    if (h->pid > 0) kill(h->pid, SIGKILL);
}

void Master::cb_stderr(evutil_socket_t, short, void* arg) { static_cast<Master*>(arg)->forward_stderr(); }

// Daemon mode: the children's stderr is one pipe; each complete line goes to
// syslog at the level the child wrote into it.
void Master::forward_stderr() {
  char buf[4096];
  for (;;) {
    ssize_t n = read(stderr_read_.get(), buf, sizeof buf);
    if (n <= 0) break;
    stderr_buf_.append(buf, size_t(n));
  }
  size_t nl;
  while ((nl = stderr_buf_.find('\n')) != std::string::npos || stderr_buf_.size() > 2048) {
    size_t end = nl == std::string::npos ? stderr_buf_.size() : nl;
    std::string line = stderr_buf_.substr(0, end);
    stderr_buf_.erase(0, nl == std::string::npos ? end : end + 1);
    log::Level lvl = log::kInfo;
    if (line.find(" error: ") != std::string::npos) lvl = log::kError;
    else if (line.find(" warn: ") != std::string::npos) lvl = log::kWarn;
    else if (line.find(" debug: ") != std::string::npos) lvl = log::kDebug;
    log::msg(lvl, "%s", line.c_str());
  }
}

bool Master::setup_events() {
  base_.reset(event_base_new());
  if (!base_) return false;
  for (int sig : {SIGCHLD, SIGHUP, SIGTERM, SIGINT}) {
    EventPtr ev(evsignal_new(base_.get(), sig, cb_signal, this));
    if (!ev || event_add(ev.get(), nullptr) != 0) return false;
    signal_events_.push_back(std::move(ev));
  }
  if (stderr_read_) {
    stderr_ev_.reset(event_new(base_.get(), stderr_read_.get(), EV_READ | EV_PERSIST, cb_stderr, this));
    if (!stderr_ev_ || event_add(stderr_ev_.get(), nullptr) != 0) return false;
  }
  return true;
}

int Master::run() {
  log::init("smbd-master", !opts_.foreground, opts_.verbose ? log::kDebug : log::kInfo);
  if (!load_config(true)) return 1;
  self_dir_ = self_dir();
  session_prog_ = find_program(self_dir_, "smbd-session");
  if (session_prog_.empty()) {
    LOG_E("smbd-session not found next to %s", self_dir_.c_str());
    return 1;
  }
  for (const char* prog : {"smbd-auth", "smbd-rpc"})
    if (find_program(self_dir_, prog).empty())
      LOG_W("%s not found next to %s; will keep trying", prog, self_dir_.c_str());

  bool created = false;
  if (!make_dirs(config_.global.pid_directory, 0755, &created)) {
    LOG_E("pid directory %s: %s", config_.global.pid_directory.c_str(), strerror(errno));
    return 1;
  }
  bool state_created = false;
  if (!make_dirs(config_.global.state_directory, 0700, &state_created)) {
    LOG_E("state directory %s: %s", config_.global.state_directory.c_str(), strerror(errno));
    return 1;
  }
  if (!opts_.foreground && !daemonize()) {
    LOG_E("daemonize: %s", strerror(errno));
    return 1;
  }
  pid_t other = 0;
  if (!pidfile_.acquire(config_.global.pid_directory, &other)) {
    if (other > 0) LOG_E("another smbd-master (pid %d) owns %s", int(other),
                         config_.global.pid_directory.c_str());
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  std::vector<UniqueFd> fds = open_listeners(config_.global, port_);
  if (fds.empty()) {
    LOG_E("no listening socket; giving up");
    return 1;
  }

  if (privileged()) {
    if (!lookup_service_user(config_.global.service_user, &service_)) {
      LOG_E("service user %s does not exist", config_.global.service_user.c_str());
      return 1;
    }
    pidfile_.chown_to(service_.uid, service_.gid);
    // The service user must be able to remove the pid file at exit, so a
    // dedicated pid directory becomes its own. Shared system directories
    // (and anything sticky or world-writable) are never chowned; there the
    // file is only emptied at exit (the flock, not the file, marks a live
    // master).
    if (dedicated_directory(config_.global.pid_directory) &&
        chown(config_.global.pid_directory.c_str(), service_.uid, service_.gid) != 0)
      LOG_W("pid directory: chown: %s", strerror(errno));
    if (dedicated_directory(config_.global.state_directory) && chown(config_.global.state_directory.c_str(), service_.uid, service_.gid) != 0)
      LOG_W("state directory: chown: %s", strerror(errno));
    if (!drop_privileges(service_)) return 1;
  } else {
    LOG_I("not started as root: running as uid %u without privilege drop", unsigned(getuid()));
  }

  if (!opts_.foreground) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return 1;
    stderr_read_.reset(p[0]);
    stderr_write_.reset(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
  }
  if (!setup_events()) {
    LOG_E("event loop set-up failed");
    return 1;
  }
  for (UniqueFd& fd : fds) {
    ListenerPtr l(evconnlistener_new(base_.get(), cb_accept, this,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
                                         LEV_OPT_LEAVE_SOCKETS_BLOCKING,
                                     -1, fd.get()));
    if (!l) return 1;
    fd.release();
    listeners_.push_back(std::move(l));
  }
  proctitle::set("smbd-master");
  start_helper(auth_);
  start_helper(rpc_);
  LOG_I("smbd-master ready (port %u, pid %d)", unsigned(port_), int(getpid()));
  event_base_dispatch(base_.get());
  pidfile_.release();
  LOG_I("smbd-master stopped");
  return 0;
}

void Master::on_sigchld() {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    Helper* h = pid == auth_.pid ? &auth_ : pid == rpc_.pid ? &rpc_ : nullptr;
    if (h) {
      log::Level lvl = stopping_ ? log::kInfo : log::kWarn;
      if (WIFSIGNALED(status))
        log::msg(lvl, "%s (pid %d) killed by signal %d", h->name, int(pid), WTERMSIG(status));
      else log::msg(lvl, "%s (pid %d) exited with status %d", h->name, int(pid), WEXITSTATUS(status));
      h->pid = -1;
      h->ev.reset();
      h->chan.reset();
      schedule_restart(*h);
    } else {
      session_reaped(pid, status);
    }
  }
  maybe_finish();
}

void Master::on_sighup() {
  if (stopping_) return;
  LOG_I("SIGHUP: reloading %s", opts_.config_path.c_str());
  if (!load_config(false)) return;
  reload_helper(auth_);
  reload_helper(rpc_);
  LOG_I("configuration reloaded; new connections use it");
}

void Master::on_terminate() {
  if (stopping_) return;
  stopping_ = true;
  LOG_I("shutting down");
  listeners_.clear();
  for (Helper* h : {&auth_, &rpc_}) {
    h->restart_timer.reset();
    if (h->pid > 0) kill(h->pid, SIGTERM);
  }
  for (auto& [pid, s] : sessions_) kill(pid, SIGTERM);
  kill_timer_.reset(evtimer_new(base_.get(), cb_kill_timer, this));
  timeval tv{kShutdownGraceS, 0};
  if (kill_timer_) evtimer_add(kill_timer_.get(), &tv);
  maybe_finish();
}

void Master::maybe_finish() {
  if (stopping_ && sessions_.empty() && auth_.pid < 0 && rpc_.pid < 0)
    event_base_loopbreak(base_.get());
}

}  // namespace cifsd::master
