#pragma once
// The supervisor: owns the configuration, the listeners, the helper
// processes (smbd-auth, smbd-rpc), one smbd-session per client, the
// share-mode broker, and the signal handling (libevent signal events: the
// handlers only wake the loop, all work happens in callbacks).
#include <sys/types.h>

#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/ipc/channel.h"
#include "common/ipc/master_proto.h"
#include "common/log/log.h"
#include "common/util/unique_fd.h"
#include "smbd-master/caching.h"
#include "smbd-master/daemon.h"
#include "smbd-master/events.h"
#include "smbd-master/privileges.h"
#include "smbd-master/session_protocol.h"
#include "smbd-master/share_modes.h"
#include "smbd-master/byte_locks.h"
#include "smbd-master/durable_store.h"

namespace cifsd::master {

struct Options {
  bool foreground = false;
  bool verbose = false;
  std::string config_path;
  std::string passdb_path;  // -P; empty: from the config or the default
  int port = -1;            // -p; -1: from the config
};

// log level names/numbers in smb.conf -> our levels.
log::Level parse_log_level(const std::string& s);

class Master {
 public:
  explicit Master(Options o);
  ~Master();
  Master(const Master&) = delete;
  Master& operator=(const Master&) = delete;

  // Everything from loading the configuration to the end of the event loop.
  // Returns the process exit code.
  int run();

 private:
  struct Helper {
    Helper(ipc::master::Role r, const char* n) : role(r), name(n) {}
    ipc::master::Role role;
    const char* name;
    Master* owner = nullptr;
    pid_t pid = -1;
    UniqueFd chan;
    EventPtr ev;
    EventPtr restart_timer;
    uint32_t seq = 0;
    int backoff_s = 0;
    time_t started = 0;
  };
  struct Session {
    Master* master = nullptr;
    pid_t pid = -1;
    uint64_t conn_id = 0;
    std::string client_ip;
    uint16_t client_port = 0;
    UniqueFd chan;
    EventPtr ev;
    EventPtr hello_timer;
    bool hello_done = false;
    bool handed_off = false;  // gave its client socket to another session (channel_router.h)
    // Unix users smbd-auth proved on this connection (kAuthenticatedNote).
    std::vector<uint32_t> vouched_uids;
    uint32_t logoff_previous_notes = 0;
  };

  // start-up (master.cc)
  bool load_config(bool initial);
  bool setup_events();
  void forward_stderr();
  // supervision and signals (master.cc)
  void on_sigchld();
  void on_sighup();
  void on_terminate();
  void maybe_finish();
  // helpers (helpers.cc)
  bool start_helper(Helper& h);
  void schedule_restart(Helper& h);
  void on_helper_readable(Helper& h);
  void helper_failed(Helper& h, const char* why);
  bool attach(Helper& h, int fd, uint64_t conn_id, const std::string& ip);
  bool helper_note(Helper& h, const ipc::Message& m);
  ipc::RecvStatus helper_answer(Helper& h, uint32_t seq, ipc::Message* m);
  void drain_helper_notes(Helper& h);
  void reload_helper(Helper& h);
  Helper* helper_for(ipc::master::Role r);
  // sessions (sessions.cc)
  void on_accept(int fd, const sockaddr* sa, int socklen);
  void on_session_readable(Session& s);
  bool handle_session_message(Session& s, const ipc::Message& m);
  bool answer_new_channel(Session& s, ipc::master::Role helper, uint32_t seq);
  // multichannel: forwards a client socket to the session owner (channel_master.cc)
  bool handle_channel_handoff(Session& s, const ipc::Message& m);
  // Sends notifications to their sessions; a session whose channel is full
  // (it does not read) or gone is killed, never waited for.
  void deliver(std::vector<Notify>& notes);
  void session_channel_closed(Session& s);
  void kill_session(Session& s, const char* why);
  void session_reaped(pid_t pid, int status);
  // oplock/lease break deadlines (caching_master.cc)
  void arm_caching_timer();
  static void cb_caching_timer(evutil_socket_t, short, void* arg);
  static int64_t monotonic_ms();
  uint32_t helper_log_level() const;
  std::vector<uint8_t> hello_answer(const std::string& ip, uint32_t port, uint64_t conn_id,
                                    bool with_passdb) const;

  static void cb_signal(evutil_socket_t, short, void* arg);
  static void cb_helper(evutil_socket_t, short, void* arg);
  static void cb_session(evutil_socket_t, short, void* arg);
  static void cb_session_hello_timeout(evutil_socket_t, short, void* arg);
  static void cb_accept(evconnlistener*, evutil_socket_t, sockaddr*, int, void* arg);
  static void cb_restart(evutil_socket_t, short, void* arg);
  static void cb_kill_timer(evutil_socket_t, short, void* arg);
  static void cb_stderr(evutil_socket_t, short, void* arg);

  Options opts_;
  Config config_;
  std::string passdb_;
  uint16_t port_ = 445;
  log::Level level_ = log::kInfo;
  std::string self_dir_;
  std::string session_prog_;
  PidFile pidfile_;
  ServiceUser service_;

  EventBasePtr base_;
  std::vector<ListenerPtr> listeners_;
  std::vector<EventPtr> signal_events_;
  EventPtr kill_timer_;
  UniqueFd stderr_read_, stderr_write_;
  EventPtr stderr_ev_;
  std::string stderr_buf_;

  Helper auth_{ipc::master::Role::kAuth, "smbd-auth"};
  Helper rpc_{ipc::master::Role::kRpc, "smbd-rpc"};
  std::map<pid_t, std::unique_ptr<Session>> sessions_;
  std::map<uint64_t, Session*> by_conn_;  // live channels by connection id
  std::map<std::string, uint32_t> per_ip_;
  uint64_t next_conn_id_ = 1;
  ShareModeTable broker_;
  ByteLockTable locks_;
  DurableStore durable_;
  CachingTable caching_;
  EventPtr caching_timer_;
  bool stopping_ = false;
};

}  // namespace cifsd::master
