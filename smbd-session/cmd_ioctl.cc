// IOCTL (MS-SMB2 2.2.31, 2.2.32, 3.3.5.15): the FSCTLs the engine owns.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <openssl/rand.h>

#include "common/log/log.h"
#include "smbd-session/connection.h"
#include "smbd-session/fsctl_file.h"
#include "smbd-session/handlers.h"
#include "smbd-session/helper_clients.h"
#include "smbd-session/network_interfaces.h"
#include "smbd-session/smb2_types.h"

namespace cifsd::session {
namespace {

constexpr uint32_t kFsctlValidateNegotiateInfo = 0x00140204;
constexpr uint32_t kFsctlPipeTransceive = 0x0011C017;
constexpr uint32_t kFsctlDfsGetReferrals = 0x00060194;
constexpr uint32_t kFsctlDfsGetReferralsEx = 0x000601B0;
constexpr uint32_t kFsctlQueryNetworkInterfaceInfo = 0x001401FC;
constexpr uint32_t kFsctlCreateOrGetObjectId = 0x000900C0;
constexpr uint32_t kFsctlGetCompression = 0x0009003C;
constexpr uint32_t kFsctlSetCompression = 0x0009C040;
constexpr uint32_t kFsctlSrvRequestResumeKey = 0x00140078;
constexpr uint32_t kFsctlSrvCopychunk = 0x001440F2;
constexpr uint32_t kFsctlSrvCopychunkWrite = 0x001480F2;
// Server-side copy limits (MS-SMB2 3.3.3: Windows defaults).
constexpr NtStatus kStatusInvalidViewSize = 0xC000001F;
constexpr uint32_t kMaxChunks = 256, kMaxChunkSize = 1u << 20, kMaxCopyTotal = 16u << 20;
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

// The resume key names an open for a later COPYCHUNK: its FileId plus a
// per-process secret, so a key cannot be forged from a guessed FileId.
std::array<uint8_t, 8> resume_secret() {
  static std::array<uint8_t, 8> secret = [] {
    std::array<uint8_t, 8> v{};
    if (RAND_bytes(v.data(), int(v.size())) != 1) v.fill(0xA5);  // still needs a valid FileId
    return v;
  }();
  return secret;
}

Open* open_by_resume_key(Request& req, Bytes key) {
  ByteReader r(key);
  FileId id = read_file_id(r);
  std::array<uint8_t, 8> tag{};
  r.copy(tag.data(), 8);
  if (!r.ok() || tag != resume_secret()) return nullptr;
  // The source may be on another tree of the same session.
  for (auto& [tid, tree] : req.session->trees) {
    auto it = tree->opens.find(id.volatile_);
    if (it != tree->opens.end() && it->second->id.persistent == id.persistent) return it->second.get();
  }
  return nullptr;
}

NtStatus copychunk(Request& req, uint32_t ctl, Open& dst, Bytes in, uint32_t max_out, ByteWriter& out) {
  auto respond = [&](uint32_t a, uint32_t b, uint32_t c_) {
    std::vector<uint8_t> v;
    ByteWriter w(v);
    w.u32(a);
    w.u32(b);
    w.u32(c_);
    write_response(out, ctl, dst.id, v);
  };
  if (max_out < 12) return status::kInvalidParameter;
  ByteReader r(in);
  Bytes key = r.bytes(24);
  uint32_t count = r.u32();
  r.skip(4);
  if (!r.ok()) return status::kInvalidParameter;
  if (count > kMaxChunks) {
    respond(kMaxChunks, kMaxChunkSize, kMaxCopyTotal);
    req.keep_error_body = true;  // the limits travel with the error
    return status::kInvalidParameter;
  }
  struct Chunk { uint64_t src, dst; uint32_t len; };
  std::vector<Chunk> chunks;
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    Chunk ch{r.u64(), r.u64(), r.u32()};
    r.skip(4);
    if (!r.ok()) return status::kInvalidParameter;
    if (ch.len == 0 || ch.len > kMaxChunkSize || (total += ch.len) > kMaxCopyTotal) {
      respond(kMaxChunks, kMaxChunkSize, kMaxCopyTotal);
      req.keep_error_body = true;
      return status::kInvalidParameter;
    }
    chunks.push_back(ch);
  }
  Open* src = open_by_resume_key(req, key);
  if (!src) return status::kObjectNameNotFound;
  if (src->is_directory || dst.is_directory || src->is_pipe || dst.is_pipe) return status::kInvalidDeviceRequest;
  // Source must be readable; the destination writable (and readable for
  // plain COPYCHUNK, MS-SMB2 3.3.5.15.6).
  if (!(src->access & (smb2::kFileReadData | smb2::kFileExecute))) return status::kAccessDenied;
  if (!(dst.access & (smb2::kFileWriteData | smb2::kFileAppendData))) return status::kAccessDenied;
  if (ctl == kFsctlSrvCopychunk && !(dst.access & smb2::kFileReadData)) return status::kAccessDenied;
  uint32_t done = 0, bytes_done = 0;
  // A failed chunk ends the copy; the response still says what was done.
  auto fail = [&](NtStatus s) {
    respond(done, 0, bytes_done);
    req.keep_error_body = true;
    return s;
  };
  std::vector<uint8_t> buf;
  for (const Chunk& ch : chunks) {
    bool source_short = false;
    NtStatus s = copy_chunk(req, *src, ch.src, dst, ch.dst, ch.len, &buf, &source_short);
    // Reading past the end of the source is an error for the chunk (Windows).
    if (source_short) return fail(kStatusInvalidViewSize);
    if (s == status::kFileLockConflict || (s != status::kSuccess && done)) return fail(s);
    if (s != status::kSuccess) return s;
    done++;
    bytes_done += ch.len;
  }
  respond(done, 0, bytes_done);
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
    case kFsctlQueryNetworkInterfaceInfo: {
      std::vector<uint8_t> data;
      NtStatus st = network_interface_info(c.dialect, c.server_capabilities & smb2::kCapMultiChannel,
                                           Bytes(c.server_interfaces), max_out, &data);
      if (st != status::kSuccess) return st;
      write_response(out, ctl, fid, data);
      return st;
    }
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
    case kFsctlGetCompression: {
      Open* open = find_open(req, fid);
      if (!open) return status::kFileClosed;
      if (max_out < 2) return status::kInvalidParameter;
      std::vector<uint8_t> v = {0, 0};  // COMPRESSION_FORMAT_NONE
      write_response(out, ctl, open->id, v);
      return status::kSuccess;
    }
    case kFsctlSetCompression: {
      Open* open = find_open(req, fid);
      if (!open) return status::kFileClosed;
      ByteReader ir(in);
      uint16_t format = ir.u16();
      if (!ir.ok()) return status::kInvalidParameter;
      if (format != 0) return status::kNotSupported;  // no compressing file system
      write_response(out, ctl, open->id, {});
      return status::kSuccess;
    }
    case kFsctlSrvRequestResumeKey: {
      Open* open = find_open(req, fid);
      if (!open) return status::kFileClosed;
      if (max_out < 32) return status::kInvalidParameter;
      std::vector<uint8_t> v;
      ByteWriter w(v);
      write_file_id(w, open->id);
      auto secret = resume_secret();
      w.raw(secret.data(), secret.size());
      w.u32(0);  // ContextLength
      w.u32(0);  // Context: Windows sends 4 bytes though ContextLength is 0
      write_response(out, ctl, open->id, v);
      return status::kSuccess;
    }
    case kFsctlSrvCopychunk:
    case kFsctlSrvCopychunkWrite: {
      Open* open = find_open(req, fid);
      if (!open) return status::kFileClosed;
      return copychunk(req, ctl, *open, in, max_out, out);
    }
    default: {
      // Windows checks the handle before the control code. File-system
      // FSCTLs (sparse, zero data, ranges, ...) live in fsctl_file.cc.
      Open* open = find_open(req, fid);
      if (!open) return status::kFileClosed;
      std::vector<uint8_t> data;
      NtStatus st = file_fsctl(req, ctl, *open, in, max_out, &data);
      if (st == status::kSuccess || st == status::kBufferOverflow) write_response(out, ctl, open->id, data);
      return st;
    }
  }
}

}  // namespace cifsd::session
