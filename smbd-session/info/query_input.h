#pragma once
// The input buffer of an SMB2 QUERY_INFO request (MS-SMB2 2.2.37,
// 3.3.5.20): InputBufferOffset/InputBufferLength name a range that must lie
// inside this request, after the header and the fixed part, as every other
// offset/length pair from the wire (ByteReader::range). Header-only so that
// unit tests and fuzzers take it without the handler.
#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"

namespace cifsd::session::info {

// Header (64) + the fixed part of the request (40): where Buffer starts.
constexpr uint64_t kQueryInfoBufferStart = 64 + 40;

// `pdu`: this command's header + body; `body`: after the header. An empty
// input buffer (length 0) is valid with any offset (clients send 0 or 0x68).
inline NtStatus query_info_input(Bytes pdu, Bytes body, Bytes* in) {
  *in = {};
  ByteReader r(body);
  r.skip(8);  // StructureSize, InfoType, FileInfoClass, OutputBufferLength
  uint16_t off = r.u16();
  r.u16();  // Reserved
  uint32_t len = r.u32();
  if (!r.ok()) return status::kInvalidParameter;
  if (len == 0) return status::kSuccess;
  if (off < kQueryInfoBufferStart || !ByteReader::range(pdu, off, len, in)) return status::kInvalidParameter;
  return status::kSuccess;
}

}  // namespace cifsd::session::info
