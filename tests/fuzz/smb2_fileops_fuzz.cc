// fuzz-sources: smbd-session/acl/access.cc smbd-session/acl/inherit.cc smbd-session/acl/ntacl.cc smbd-session/acl/sd.cc smbd-session/acl/store.cc smbd-session/async.cc smbd-session/cmd_change_notify.cc smbd-session/cmd_close.cc smbd-session/cmd_create.cc smbd-session/cmd_flush.cc smbd-session/cmd_info_extra.cc smbd-session/cmd_ioctl.cc smbd-session/network_interfaces.cc smbd-session/cmd_lock.cc smbd-session/cmd_misc.cc smbd-session/cmd_negotiate.cc smbd-session/cmd_query_directory.cc smbd-session/cmd_query_info.cc smbd-session/cmd_read.cc smbd-session/cmd_session_setup.cc smbd-session/cmd_set_info.cc smbd-session/cmd_tree.cc smbd-session/cmd_write.cc smbd-session/command_table.cc smbd-session/credits.cc smbd-session/crypto/smb_crypto.cc smbd-session/durable.cc smbd-session/engine.cc smbd-session/event_loop.cc smbd-session/fsctl_file.cc smbd-session/info/create_parse.cc smbd-session/info/ea.cc smbd-session/info/encode.cc smbd-session/info/setinfo_parse.cc smbd-session/keys.cc smbd-session/lock_client.cc smbd-session/mangle/short_name.cc smbd-session/master_link.cc smbd-session/negotiate_contexts.cc smbd-session/posix/posix_ext.cc smbd-session/notify/change_list.cc smbd-session/notify/watcher.cc smbd-session/oplock.cc smbd-session/pdu.cc smbd-session/response_frame.cc smbd-session/session_expiry.cc smbd-session/session_reconnect.cc smbd-session/streams/stream_create.cc smbd-session/streams/stream_name.cc smbd-session/streams/stream_open.cc smbd-session/streams/stream_store.cc smbd-session/transport.cc smbd-session/vfs/alloc_ranges.cc smbd-session/vfs/path.cc smbd-session/vfs/vfs.cc smbd-session/vfs/name_cache.cc smbd-session/vfs/write_time.cc common/ipc/channel.cc common/ipc/master_proto.cc common/ipc/lock_proto.cc common/config/config.cc common/util/utf16.cc common/log/log.cc common/smb/ntstatus.cc smbd-session/multichannel.cc smbd-session/session_binding.cc smbd-session/channel_state.cc smbd-session/multichannel_adopt.cc smbd-session/delete_pending.cc
// fuzz-libs: -lcrypto -linih -levent
// fuzz-ci: named-only (about 60 sources: its build alone would exceed the CI budget)
// Every file-system command body through the real handlers (CREATE, CLOSE,
// FLUSH, READ, WRITE, LOCK, IOCTL/FSCTL, QUERY_DIRECTORY, CHANGE_NOTIFY,
// QUERY_INFO, SET_INFO, OPLOCK_BREAK) on a scratch share in /tmp, behind the
// real engine. Only the helpers and the identity switch are stubbed (the
// master is absent: broker calls answer as a lone client's would). Input: a
// sequence of (u8 patch flags, u16 length, frame bytes); the flags let the
// fuzzer aim at the live session, tree and opens without guessing ids:
//   bit 0: header SessionId/TreeId/MessageId/CreditCharge set to valid values
//   bit 1: FileId in the body set to the open file, bit 2: to the open directory
// Checks: the engine never disconnects on a well-framed request with ids
// patched, every response frame is whole, nothing crashes or leaks.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/engine.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/identity.h"
#include "tests/fuzz/engine_output_check.h"
#include "smbd-session/pdu.h"
#include "smbd-session/smb2_types.h"

using namespace cifsd;
using namespace cifsd::session;

namespace cifsd::session {
bool helper_hello(Connection&, ipc::master::Role) { return true; }
NtStatus auth_neg_token(Connection&, std::vector<uint8_t>* blob) { blob->assign(4, 0x60); return status::kSuccess; }
NtStatus auth_session_setup(Connection&, const ipc::auth::SessionSetup&, ipc::auth::SessionSetupAnswer* ans) {
  ans->result = ipc::auth::SetupResult::kOk;
  ans->identity.user = "fuzz";
  ans->identity.uid = ans->identity.gid = 1000;
  ans->has_session_key = true;
  for (int i = 0; i < 16; i++) ans->session_key[i] = uint8_t(i);
  return status::kSuccess;
}
void auth_release(Connection&, uint64_t) {}
NtStatus rpc_open(Connection&, const std::string&, const std::string&, uint32_t*) { return status::kPipeBroken; }
NtStatus rpc_write(Connection&, uint32_t, Bytes) { return status::kPipeBroken; }
NtStatus rpc_read(Connection&, uint32_t, uint32_t, std::vector<uint8_t>*) { return status::kPipeBroken; }
NtStatus rpc_transceive(Connection&, uint32_t, Bytes, uint32_t, std::vector<uint8_t>*) { return status::kPipeBroken; }
void rpc_close(Connection&, uint32_t) {}
NtStatus broker_share_open(Connection&, const ipc::master::ShareOpen&) { return status::kSuccess; }
bool broker_share_close(Connection&, uint64_t, bool) { return false; }
NtStatus broker_delete_pending(Connection&, uint64_t, bool) { return status::kSuccess; }
bool become_user(const ipc::auth::Identity&) { return true; }
void become_service() {}
int as_file_owner(uid_t, gid_t, int (*fn)(void*), void* arg) { return fn(arg); }
}  // namespace cifsd::session

namespace {

std::string g_dir;
uint64_t g_runs = 0;

void rm_tree(const std::string& p) {
  DIR* d = opendir(p.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    std::string q = p + "/" + n;
    struct stat st;
    if (lstat(q.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      rm_tree(q);
      rmdir(q.c_str());
    } else {
      unlink(q.c_str());
    }
  }
  closedir(d);
}

// The handlers check access as the session's user (uid 1000 here) against
// the files' modes: everything is world-writable.
void reset_share() {
  rm_tree(g_dir);
  chmod(g_dir.c_str(), 0777);
  (void)!chown(g_dir.c_str(), 1000, 1000);
  mkdir((g_dir + "/dir").c_str(), 0777);
  chmod((g_dir + "/dir").c_str(), 0777);
  (void)!chown((g_dir + "/dir").c_str(), 1000, 1000);
  int fd = open((g_dir + "/a.txt").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0666);
  if (fd >= 0) {
    (void)!write(fd, "hello, fuzzer\n", 14);
    fchmod(fd, 0666);
    (void)!fchown(fd, 1000, 1000);
    close(fd);
  }
  fd = open((g_dir + "/dir/b.txt").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0666);
  if (fd >= 0) {
    fchmod(fd, 0666);
    (void)!fchown(fd, 1000, 1000);
    close(fd);
  }
}

struct Ids {
  uint64_t sid = 0;
  uint32_t tid = 0;
  uint64_t mid = 0;
  uint8_t file[16] = {}, dir[16] = {};
};

std::vector<uint8_t> msg(uint16_t cmd, const Ids& ids, uint32_t tid, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> v;
  ByteWriter w(v);
  Smb2Header h;
  h.command = cmd;
  h.message_id = ids.mid;
  h.session_id = ids.sid;
  h.tree_id = tid;
  h.credits = 64;
  h.credit_charge = 1;
  write_smb2_header(w, h);
  w.bytes({body.data(), body.size()});
  return v;
}

// Sends one request; returns the response (without the 4-byte frame header).
std::vector<uint8_t> send(Connection& c, Ids& ids, const std::vector<uint8_t>& m) {
  std::vector<uint8_t> out;
  process_frame(c, 0, {m.data(), m.size()}, &out);
  ids.mid++;
  if (out.size() < 4) return {};
  return std::vector<uint8_t>(out.begin() + 4, out.end());
}

void put_u16(std::vector<uint8_t>& v, uint16_t x) { v.push_back(uint8_t(x)); v.push_back(uint8_t(x >> 8)); }
void put_u32(std::vector<uint8_t>& v, uint32_t x) { put_u16(v, uint16_t(x)); put_u16(v, uint16_t(x >> 16)); }
void put_u64(std::vector<uint8_t>& v, uint64_t x) { put_u32(v, uint32_t(x)); put_u32(v, uint32_t(x >> 32)); }
void put_utf16(std::vector<uint8_t>& v, const char* s) { for (; *s; s++) put_u16(v, uint8_t(*s)); }

// Why the prelude failed (printed once): the step and the NTSTATUS.
std::string g_why;

uint32_t status_of(const std::vector<uint8_t>& r) {
  return r.size() < 12 ? 0xFFFFFFFF : uint32_t(r[8] | r[9] << 8 | r[10] << 16 | uint32_t(r[11]) << 24);
}

bool open_one(Connection& c, Ids& ids, const char* name, bool dir, uint8_t* fid) {
  std::vector<uint8_t> b;
  put_u16(b, 57);
  b.push_back(0);  // SecurityFlags
  b.push_back(0);  // oplock
  put_u32(b, 2);   // impersonation
  put_u64(b, 0);
  put_u64(b, 0);
  put_u32(b, 0x0013019F);                 // read, write, attributes, EAs, DELETE
  put_u32(b, dir ? 0x10 : 0x80);          // attributes
  put_u32(b, 7);                          // share all
  put_u32(b, dir ? 1 : 3);                // OPEN / OPEN_IF
  put_u32(b, dir ? 1 : 0x40);             // DIRECTORY_FILE / NON_DIRECTORY_FILE
  put_u16(b, 64 + 56);
  size_t len_at = b.size();
  put_u16(b, 0);
  put_u32(b, 0);
  put_u32(b, 0);
  size_t start = b.size();
  put_utf16(b, name);
  uint16_t n = uint16_t(b.size() - start);
  b[len_at] = uint8_t(n);
  b[len_at + 1] = uint8_t(n >> 8);
  auto r = send(c, ids, msg(smb2::kCreate, ids, ids.tid, b));
  if (r.size() < 64 + 64 + 16 || status_of(r)) {
    char buf[80];
    snprintf(buf, sizeof buf, "CREATE %s: 0x%08x (%zu bytes)", name, status_of(r), r.size());
    g_why = buf;
    return false;
  }
  memcpy(fid, r.data() + 64 + 64, 16);
  return true;
}

bool prelude(Connection& c, Ids& ids) {
  std::vector<uint8_t> nb = {36, 0, 1, 0, 1, 0, 0, 0, 0x7f, 0, 0, 0};
  nb.resize(36, 0);
  nb.push_back(0x02);
  nb.push_back(0x03);  // 3.0.2
  send(c, ids, msg(smb2::kNegotiate, ids, 0, nb));
  std::vector<uint8_t> ss = {25, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 88, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  auto r = send(c, ids, msg(smb2::kSessionSetup, ids, 0, ss));
  if (r.size() < 64) {
    g_why = "SESSION_SETUP: no answer";
    return false;
  }
  memcpy(&ids.sid, r.data() + 40, 8);
  std::vector<uint8_t> tc;
  put_u16(tc, 9);
  put_u16(tc, 0);
  put_u16(tc, 72);
  size_t len_at = tc.size();
  put_u16(tc, 0);
  size_t start = tc.size();
  put_utf16(tc, "\\\\fuzz\\share");
  uint16_t n = uint16_t(tc.size() - start);
  tc[len_at] = uint8_t(n);
  tc[len_at + 1] = uint8_t(n >> 8);
  r = send(c, ids, msg(smb2::kTreeConnect, ids, 0, tc));
  if (r.size() < 64 || status_of(r)) {
    char buf[80];
    snprintf(buf, sizeof buf, "TREE_CONNECT: 0x%08x", status_of(r));
    g_why = buf;
    return false;
  }
  memcpy(&ids.tid, r.data() + 36, 4);
  return open_one(c, ids, "a.txt", false, ids.file) && open_one(c, ids, "dir", true, ids.dir);
}

// Body offset of the FileId for each command that has one (-1: none).
int fid_offset(uint16_t cmd) {
  switch (cmd) {
    case smb2::kClose: case smb2::kFlush: case smb2::kLock: case smb2::kIoctl:
    case smb2::kQueryDirectory: case smb2::kChangeNotify: case smb2::kOplockBreak: return 8;
    case smb2::kRead: case smb2::kWrite: case smb2::kSetInfo: return 16;
    case smb2::kQueryInfo: return 24;
    default: return -1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = [] {
    log::init("fuzz", false, log::kError);
    char tmpl[] = "/tmp/cifsd-fileops-fuzz-XXXXXX";
    if (!mkdtemp(tmpl)) abort();
    g_dir = tmpl;
    reset_share();
    return true;
  }();
  (void)init;
  // The fuzzer creates files: start over now and then, so the share stays small.
  if (++g_runs % 2000 == 0) reset_share();
  Connection c;
  std::string conf = "[global]\n\tserver signing = disabled\n[share]\n\tpath = " + g_dir +
                     "\n\tread only = no\n\tea support = yes\n\tstreams = yes\n";
  auto pr = parse_config_text(conf, "fuzz");
  if (!pr.config) abort();
  c.config = std::move(*pr.config);
  c.client_ip = "127.0.0.1";
  Ids ids;
  if (!prelude(c, ids)) {
    static bool said = false;
    if (!said) fprintf(stderr, "fileops fuzz: prelude failed (share %s): %s\n", g_dir.c_str(), g_why.c_str());
    said = true;
    return 0;
  }
  ByteReader in({data, size});
  while (in.remaining() >= 3) {
    uint8_t flags = in.u8();
    uint16_t n = in.u16();
    Bytes f = in.bytes(n);
    if (!in.ok()) break;
    std::vector<uint8_t> frame(f.begin(), f.end());
    if (frame.size() >= 64) {
      uint16_t cmd = uint16_t(frame[12] | frame[13] << 8);
      if (flags & 1) {
        frame[0] = 0xFE; frame[1] = 'S'; frame[2] = 'M'; frame[3] = 'B';
        frame[4] = 64; frame[5] = 0;
        frame[6] = 1; frame[7] = 0;  // CreditCharge
        memcpy(&frame[24], &ids.mid, 8);
        if (!(frame[16] & 0x02)) memcpy(&frame[36], &ids.tid, 4);  // not async
        memcpy(&frame[40], &ids.sid, 8);
        memset(&frame[48], 0, 16);  // no signature
        frame[16] &= ~0x08;         // not signed
      }
      int fo = fid_offset(cmd);
      if (fo >= 0 && (flags & 6) && frame.size() >= 64 + size_t(fo) + 16)
        memcpy(&frame[64 + fo], (flags & 4) ? ids.dir : ids.file, 16);
    }
    std::vector<uint8_t> out;
    EngineResult er = process_frame(c, 0, {frame.data(), frame.size()}, &out);
    ids.mid++;
    if (!fuzz::check_engine_output(er, out)) break;
  }
  return 0;
}
