// fuzz-sources: tests/support/fileops_stubs.cc smbd-session/pdu.cc smbd-session/credits.cc smbd-session/negotiate_contexts.cc smbd-session/posix/posix_ext.cc smbd-session/keys.cc smbd-session/crypto/smb_crypto.cc smbd-session/command_table.cc smbd-session/engine.cc smbd-session/async.cc smbd-session/response_frame.cc smbd-session/cmd_negotiate.cc smbd-session/cmd_session_setup.cc smbd-session/session_expiry.cc smbd-session/session_reconnect.cc common/ipc/channel.cc common/ipc/master_proto.cc smbd-session/cmd_tree.cc smbd-session/cmd_ioctl.cc smbd-session/network_interfaces.cc smbd-session/cmd_misc.cc common/config/config.cc common/util/utf16.cc common/log/log.cc common/smb/ntstatus.cc smbd-session/multichannel.cc smbd-session/session_binding.cc smbd-session/channel_state.cc smbd-session/master_link.cc
// fuzz-libs: -lcrypto -linih
// The whole SMB2 engine (process_frame) behind the transport, with the
// helpers and the file-system handlers stubbed: central checks, credits,
// compounds, signatures, TRANSFORM parsing/decryption, NEGOTIATE, SESSION_SETUP,
// TREE_CONNECT and IOCTL parsing. Input: u16 length + frame bytes, repeated;
// the first byte selects whether the connection starts fresh or already
// negotiated (3.1.1) with an authenticated session and an IPC$ tree.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/engine.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/identity.h"
#include "smbd-session/pdu.h"
#include "smbd-session/smb2_types.h"
#include "tests/fuzz/engine_output_check.h"

using namespace cifsd;
using namespace cifsd::session;

namespace cifsd::session {
bool helper_hello(Connection&, ipc::master::Role) { return true; }
NtStatus auth_neg_token(Connection&, std::vector<uint8_t>* blob) { blob->assign(4, 0x60); return status::kSuccess; }
NtStatus auth_session_setup(Connection&, const ipc::auth::SessionSetup& req, ipc::auth::SessionSetupAnswer* ans) {
  // Blob byte 0 picks the outcome, so the fuzzer reaches every branch.
  uint8_t sel = req.blob.empty() ? 0 : req.blob[0] % 4;
  ans->result = sel == 0 ? ipc::auth::SetupResult::kMoreProcessing
                : sel == 3 ? ipc::auth::SetupResult::kLogonFailure : ipc::auth::SetupResult::kOk;
  ans->context = 5;
  ans->identity.uid = ans->identity.gid = 1000;
  ans->identity.guest = sel == 2;
  ans->has_session_key = sel == 1;
  for (int i = 0; i < 16; i++) ans->session_key[i] = uint8_t(i);
  return status::kSuccess;
}
void auth_release(Connection&, uint64_t) {}
NtStatus rpc_open(Connection&, const std::string&, const std::string&, uint32_t*) { return status::kPipeBroken; }
NtStatus rpc_write(Connection&, uint32_t, Bytes) { return status::kPipeBroken; }
NtStatus rpc_read(Connection&, uint32_t, uint32_t, std::vector<uint8_t>*) { return status::kPipeBroken; }
NtStatus rpc_transceive(Connection&, uint32_t, Bytes, uint32_t max, std::vector<uint8_t>* out) {
  out->assign(max > 100 ? 100 : max, 1);
  return status::kBufferOverflow;
}
void rpc_close(Connection&, uint32_t) {}
}  // namespace cifsd::session

namespace {

std::vector<uint8_t> msg(uint16_t cmd, uint64_t mid, uint64_t sid, uint32_t tid, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> v;
  ByteWriter w(v);
  Smb2Header h;
  h.command = cmd;
  h.message_id = mid;
  h.session_id = sid;
  h.tree_id = tid;
  h.credits = 64;
  h.credit_charge = 1;
  write_smb2_header(w, h);
  w.bytes({body.data(), body.size()});
  return v;
}

void prelude(Connection& c) {
  std::vector<uint8_t> out;
  std::vector<uint8_t> nb = {36, 0, 1, 0, 1, 0, 0, 0, 0x7f, 0, 0, 0};
  nb.resize(36, 0);
  nb.push_back(0x02); nb.push_back(0x03);  // dialect 0x0302 (no contexts needed)
  auto m = msg(smb2::kNegotiate, 0, 0, 0, nb);
  process_frame(c, 0, {m.data(), m.size()}, &out);
  std::vector<uint8_t> ss = {25, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 88, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  m = msg(smb2::kSessionSetup, 1, 0, 0, ss);
  out.clear();
  process_frame(c, 0, {m.data(), m.size()}, &out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = [] { log::init("fuzz", false, log::kError); return true; }();
  (void)init;
  if (size < 1) return 0;
  Connection c;
  auto r = parse_config_text("[global]\n[share]\npath = /nonexistent\n", "fuzz");
  if (!r.config) return 0;
  c.config = std::move(*r.config);
  c.client_ip = "127.0.0.1";
  if (data[0] & 1) prelude(c);
  ByteReader in({data + 1, size - 1});
  while (in.remaining() >= 2) {
    uint16_t n = in.u16();
    Bytes frame = in.bytes(n);
    if (!in.ok()) break;
    std::vector<uint8_t> out;
    if (!fuzz::check_engine_output(process_frame(c, 0, frame, &out), out)) break;
  }
  return 0;
}
