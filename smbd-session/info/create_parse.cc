#include "smbd-session/info/create_parse.h"

#include <cstdint>

namespace cifsd::session {
namespace {

constexpr size_t kHeader = 64;
constexpr size_t kFixed = 56;  // CREATE body without the variable buffer

// Known contexts whose data has a fixed set of valid sizes.
bool known_size_ok(std::string_view n, size_t len) {
  if (n == "MxAc") return len == 0 || len == 8;
  if (n == "QFid") return len == 0;
  if (n == "DHnQ") return len == 16;
  if (n == "DHnC") return len == 16;
  if (n == "DH2Q") return len == 32;
  if (n == "DH2C") return len == 36;
  if (n == "RqLs") return len == 32 || len == 52;
  if (n == "AlSi") return len == 8;
  if (n == "TWrp") return len == 8;
  return true;
}

}  // namespace

NtStatus parse_create_contexts(Bytes buf, std::vector<CreateContext>* out) {
  out->clear();
  size_t pos = 0;
  while (pos < buf.size()) {
    ByteReader r(buf.subspan(pos));
    uint32_t next = r.u32();
    uint16_t name_off = r.u16();
    uint16_t name_len = r.u16();
    r.u16();  // reserved
    uint16_t data_off = r.u16();
    uint32_t data_len = r.u32();
    if (!r.ok()) return status::kInvalidParameter;
    size_t entry_len = buf.size() - pos;
    if (next != 0) {
      if (next % 8 != 0 || next < 16 || next > entry_len) return status::kInvalidParameter;
      entry_len = next;
    }
    Bytes entry = buf.subspan(pos, entry_len);
    Bytes name, data;
    // Names shorter than 4 bytes are rejected as Windows does.
    if (name_len < 4 || name_off < 16 || !ByteReader::range(entry, name_off, name_len, &name))
      return status::kInvalidParameter;
    if (data_len != 0) {
      if (data_off % 8 != 0 || data_off < size_t(name_off) + name_len ||
          !ByteReader::range(entry, data_off, data_len, &data))
        return status::kInvalidParameter;
    }
    CreateContext c{as_chars(name), data};
    for (const auto& o : *out)
      if (o.name == c.name) return status::kInvalidParameter;
    if (!known_size_ok(c.name, data.size())) return status::kInvalidParameter;
    out->push_back(c);
    if (out->size() > 64) return status::kInvalidParameter;
    if (next == 0) break;
    pos += next;
  }
  return status::kSuccess;
}

NtStatus parse_create_request(Bytes pdu, Bytes body, CreateRequest* out) {
  *out = CreateRequest{};
  ByteReader r(body);
  if (r.u16() != 57) return status::kInvalidParameter;
  out->security_flags = r.u8();
  out->oplock_level = r.u8();
  out->impersonation = r.u32();
  out->smb_create_flags = r.u64();
  r.u64();  // reserved
  out->desired_access = r.u32();
  out->file_attributes = r.u32();
  out->share_access = r.u32();
  out->disposition = r.u32();
  out->options = r.u32();
  uint16_t name_off = r.u16();
  uint16_t name_len = r.u16();
  uint32_t ctx_off = r.u32();
  uint32_t ctx_len = r.u32();
  if (!r.ok()) return status::kInvalidParameter;
  if (name_len % 2) return status::kInvalidParameter;
  if (name_len) {
    if (name_off < kHeader + kFixed || !ByteReader::range(pdu, name_off, name_len, &out->name))
      return status::kInvalidParameter;
  }
  if (ctx_len) {
    Bytes ctx;
    if (ctx_off < kHeader + kFixed || ctx_off % 8 != 0 ||
        !ByteReader::range(pdu, ctx_off, ctx_len, &ctx))
      return status::kInvalidParameter;
    // The contexts may not overlap the name.
    if (name_len && ctx_off < size_t(name_off) + name_len && size_t(ctx_off) + ctx_len > name_off)
      return status::kInvalidParameter;
    NtStatus s = parse_create_contexts(ctx, &out->contexts);
    if (s != status::kSuccess) return s;
  }
  return status::kSuccess;
}

void put_context(ByteWriter& w, size_t* prev_next_at, std::string_view name, Bytes data) {
  w.align(8);
  size_t at = w.size();
  if (*prev_next_at != SIZE_MAX) w.patch_u32(*prev_next_at, uint32_t(at - (*prev_next_at)));
  *prev_next_at = at;
  w.u32(0);
  w.u16(16);
  w.u16(uint16_t(name.size()));
  w.u16(0);
  size_t data_off_at = w.reserve(2);
  w.u32(uint32_t(data.size()));
  w.str(name);
  w.align(8);
  w.patch_u16(data_off_at, uint16_t(w.size() - at));
  w.bytes(data);
}

void put_context_tail(ByteWriter& out, const ByteWriter& contexts) {
  if (contexts.size()) {
    out.u32(64 + 88);  // right after the fixed part, 8-aligned from the header
    out.u32(uint32_t(contexts.size()));
    out.bytes(contexts.view());
  } else {
    out.u32(0);
    out.u32(0);
    out.u8(0);
  }
}

}  // namespace cifsd::session
