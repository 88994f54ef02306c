#pragma once
// Strict parser of the SMB2 CREATE request body and its create contexts
// (MS-SMB2 2.2.13, 2.2.13.2). Pure: fuzzed by tests/fuzz/create_request_fuzz.
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/smb/ntstatus.h"
#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::session {

struct CreateContext {
  std::string_view name;   // raw name bytes (usually 4 ASCII characters)
  Bytes data;
};

struct CreateRequest {
  uint8_t security_flags = 0;
  uint8_t oplock_level = 0;
  uint32_t impersonation = 0;
  uint64_t smb_create_flags = 0;
  uint32_t desired_access = 0;
  uint32_t file_attributes = 0;
  uint32_t share_access = 0;
  uint32_t disposition = 0;
  uint32_t options = 0;
  Bytes name;              // UTF-16LE
  std::vector<CreateContext> contexts;

  const CreateContext* find(std::string_view n) const {
    for (const auto& c : contexts) if (c.name == n) return &c;
    return nullptr;
  }
};

// `pdu` starts at the SMB2 header (offsets on the wire are relative to it);
// `body` is the CREATE body within it. Returns INVALID_PARAMETER for any
// malformed field, offset or context chain.
NtStatus parse_create_request(Bytes pdu, Bytes body, CreateRequest* out);

// The context chain alone (buf = exactly CreateContextsLength bytes).
// Rules: each entry >= 16 bytes, names >= 4 bytes, Next 8-aligned and inside the buffer (so the
// chain only moves forward), name and data inside their entry, data 8-aligned
// and after the name, no duplicate names, sizes of known contexts checked.
NtStatus parse_create_contexts(Bytes buf, std::vector<CreateContext>* out);

// Appends one response create context (MS-SMB2 2.2.14.2), 8-aligned, and
// chains it to the previous one (*prev_next_at; SIZE_MAX before the first).
// `w` holds only the contexts and starts 8-aligned relative to the header.
void put_context(ByteWriter& w, size_t* prev_next_at, std::string_view name, Bytes data);

// Ends a CREATE response body after its 88-byte fixed part: the contexts
// offset and length, then the contexts built with put_context (or the one
// byte a body without a buffer still carries).
void put_context_tail(ByteWriter& out, const ByteWriter& contexts);

}  // namespace cifsd::session
