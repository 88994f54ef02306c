// IOCTL (MS-SMB2 2.2.31, 2.2.32, 3.3.5.15): the FSCTLs the engine owns.
#include <algorithm>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

constexpr uint32_t kFsctlValidateNegotiateInfo = 0x00140204;
constexpr uint32_t kFsctlPipeTransceive = 0x0011C017;
constexpr uint32_t kFsctlDfsGetReferrals = 0x00060194;
constexpr uint32_t kFsctlDfsGetReferralsEx = 0x000601B0;
constexpr uint32_t kFsctlQueryNetworkInterfaceInfo = 0x001401FC;
constexpr uint32_t kFsctlCreateOrGetObjectId = 0x000900C0;
constexpr uint32_t kIoctlIsFsctl = 0x00000001;
constexpr uint32_t kResponseBufferOffset = smb2::kHeaderSize + 48;

void write_response(ByteWriter& out, uint32_t ctl, const FileId& fid, Bytes output) {
  out.u16(49);
  out.u16(0);
  out.u32(ctl);
  write_file_id(out, fid);
  out.u32(kResponseBufferOffset);  // InputOffset (no input echoed)
  out.u32(0);                      // InputCount
  out.u32(kResponseBufferOffset);  // OutputOffset
  out.u32(uint32_t(output.size()));
  out.u32(0);                      // Flags
  out.u32(0);                      // Reserved2
  out.bytes(output);
}

// MS-SMB2 3.3.5.15.12: any mismatch means someone tampered with NEGOTIATE;
// the only safe answer is to drop the connection.
NtStatus validate_negotiate(Request& req, uint32_t ctl, const FileId& fid, Bytes in,
                            uint32_t max_out, ByteWriter& out) {
  Connection& c = req.conn;
  auto drop = [&](const char* why) {
    LOG_W("VALIDATE_NEGOTIATE_INFO: %s; disconnecting", why);
    c.disconnect = true;
    return status::kAccessDenied;
  };
  if (c.dialect == kSmb311) return drop("not valid on 3.1.1");
  if (max_out < 24) return drop("MaxOutputResponse too small");
  ByteReader r(in);
  uint32_t caps = r.u32();
  std::array<uint8_t, 16> guid{};
  r.copy(guid.data(), 16);
  uint16_t sec_mode = r.u16();
  uint16_t count = r.u16();
  std::vector<uint16_t> dialects;
  for (uint16_t i = 0; i < count && r.ok(); i++) dialects.push_back(r.u16());
  if (!r.ok()) return status::kInvalidParameter;
  if (dialects != c.client_dialects) return drop("dialect list differs");
  if (guid != c.client_guid) return drop("client guid differs");
  if (sec_mode != c.client_security_mode) return drop("security mode differs");
  if (caps != c.client_capabilities) return drop("capabilities differ");
  std::vector<uint8_t> resp;
  ByteWriter w(resp);
  w.u32(c.server_capabilities);
  w.raw(c.server_guid.data(), 16);
  w.u16(c.server_security_mode);
  w.u16(c.dialect);
  req.force_sign = true;
  write_response(out, ctl, fid, resp);
  return status::kSuccess;
}

}  // namespace

NtStatus handle_ioctl(Request& req, ByteWriter& out) {
  Connection& c = req.conn;
  ByteReader r(req.body);
  r.skip(4);
  uint32_t ctl = r.u32();
  FileId fid = read_file_id(r);
  uint32_t in_off = r.u32();
  uint32_t in_count = r.u32();
  r.skip(4);  // MaxInputResponse
  r.skip(8);  // OutputOffset, OutputCount: no FSCTL here takes output buffers in
  uint32_t max_out = r.u32();
  uint32_t flags = r.u32();
  if (!r.ok()) return status::kInvalidParameter;
  Bytes in;
  if (in_count && !ByteReader::range(req.pdu, in_off, in_count, &in)) return status::kInvalidParameter;
  if (in_count > c.max_trans || max_out > c.max_trans) return status::kInvalidParameter;
  if (flags != kIoctlIsFsctl) return status::kNotSupported;

  switch (ctl) {
    case kFsctlValidateNegotiateInfo:
      return validate_negotiate(req, ctl, fid, in, max_out, out);
    case kFsctlPipeTransceive: {
      Open* open = find_open(req, fid);
      if (!open) return status::kFileClosed;
      if (!open->is_pipe) return status::kInvalidDeviceRequest;
      std::vector<uint8_t> data;
      NtStatus st = rpc_transceive(c, open->pipe_handle, in, max_out, &data);
      if (st != status::kSuccess && st != status::kBufferOverflow) return st;
      if (data.size() > max_out) data.resize(max_out);
      FileId echo = open->id;
      write_response(out, ctl, echo, data);
      return st;
    }
    case kFsctlDfsGetReferrals:
    case kFsctlDfsGetReferralsEx:
      return status::kFsDriverRequired;  // not a DFS server
    case kFsctlQueryNetworkInterfaceInfo:
      return status::kNotSupported;      // no multichannel
    case kFsctlCreateOrGetObjectId: {
      // FILE_OBJECTID_BUFFER (MS-FSCC 2.1.3.1): a stable id derived from the
      // file's identity; no birth/domain ids are kept.
      Open* open = find_open(req, fid);
      if (!open) return status::kFileClosed;
      if (open->is_pipe) return status::kInvalidDeviceRequest;
      if (max_out < 64) return status::kBufferTooSmall;
      std::vector<uint8_t> obj;
      ByteWriter w(obj);
      w.u64(open->ino);
      w.u64(open->dev);
      w.zeros(16);        // BirthVolumeId
      w.u64(open->ino);   // BirthObjectId
      w.u64(open->dev);
      w.zeros(16);        // DomainId
      write_response(out, ctl, open->id, obj);
      return status::kSuccess;
    }
    default: {
      LOG_D("unsupported FSCTL 0x%08x", ctl);
      // Windows checks the handle before the control code.
      if (!find_open(req, fid)) return status::kFileClosed;
      return status::kInvalidDeviceRequest;
    }
  }
}

}  // namespace cifsd::session
