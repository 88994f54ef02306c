#pragma once
// DCE/RPC connection-oriented PDUs (C706 chapter 12, MS-RPCE 2.2.2): the
// common header, the bind family and the request/response/fault framing.
// Parsing is bounded by ByteReader; building uses ByteWriter and patches
// frag_length at the end.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/wire/reader.h"
#include "common/wire/writer.h"

namespace cifsd::rpc {

constexpr size_t kCommonHeaderSize = 16;
constexpr size_t kRequestHeaderSize = 24;   // common + alloc_hint, p_cont_id, opnum
constexpr size_t kResponseHeaderSize = 24;  // common + alloc_hint, p_cont_id, cancel_count, rsvd
constexpr size_t kFaultSize = 32;

enum PType : uint8_t {
  kRequest = 0, kResponse = 2, kFault = 3, kBind = 11, kBindAck = 12, kBindNak = 13,
  kAlterContext = 14, kAlterContextResp = 15, kAuth3 = 16, kShutdown = 17, kCoCancel = 18,
  kOrphaned = 19,
};

enum PfcFlags : uint8_t {
  kPfcFirstFrag = 0x01, kPfcLastFrag = 0x02, kPfcPendingCancel = 0x04,
  kPfcConcMpx = 0x10, kPfcDidNotExecute = 0x20, kPfcMaybe = 0x40, kPfcObjectUuid = 0x80,
};

// Fault and reject codes (C706 appendix E, MS-RPCE 2.2.2.11 / 3.3.3.5.2).
namespace nca {
constexpr uint32_t kOpRangeError = 0x1c010002;
constexpr uint32_t kUnknownInterface = 0x1c010003;
constexpr uint32_t kProtoError = 0x1c01000b;
constexpr uint32_t kOutOfMemory = 0x1c00001b;  // nca_s_fault_remote_no_memory
constexpr uint32_t kBadStubData = 0x000006f7;  // RPC_X_BAD_STUB_DATA, what Windows sends
constexpr uint32_t kAccessDenied = 0x00000005;
}  // namespace nca

// p_cont_def_result_t and p_provider_reason_t.
enum ContextResult : uint16_t {
  kAcceptance = 0, kUserRejection = 1, kProviderRejection = 2, kNegotiateAck = 3,
};
enum ProviderReason : uint16_t {
  kReasonNotSpecified = 0, kAbstractSyntaxNotSupported = 1,
  kTransferSyntaxesNotSupported = 2, kLocalLimitExceeded = 3,
};
// bind_nak reject reasons.
enum BindNakReason : uint16_t {
  kNakNotSpecified = 0, kNakLocalLimitExceeded = 2, kNakProtocolVersionNotSupported = 4,
  kNakAuthTypeNotRecognized = 8,
};

// A UUID in its wire form (little-endian first three fields), as it appears
// in PDUs; comparisons are byte-wise.
using Uuid = std::array<uint8_t, 16>;

struct SyntaxId {
  Uuid uuid{};
  uint16_t major = 0;
  uint16_t minor = 0;
  bool operator==(const SyntaxId&) const = default;
};

// Parses "8a885d04-1ceb-11c9-9fe8-08002b104860" into wire form; compile-time
// constants use it, so a malformed literal is a programming error.
Uuid uuid_from_string(const char* s);

// The transfer syntaxes of MS-RPCE 2.2.4.12 and 3.3.1.5.3.
extern const SyntaxId kNdr20;
extern const SyntaxId kNdr64;
// Bind-time feature negotiation: only the first 8 bytes are fixed; the next
// bytes carry the client's feature bitmask.
bool is_bind_time_feature_syntax(const SyntaxId& s);

struct Header {
  uint8_t vers = 0, vers_minor = 0, ptype = 0, flags = 0;
  uint8_t drep[4] = {};
  uint16_t frag_length = 0;
  uint16_t auth_length = 0;
  uint32_t call_id = 0;
  bool little_endian() const { return (drep[0] & 0xf0) == 0x10; }
};

// Reads the 16-byte common header. Does not validate version or drep; the
// caller decides what to answer. frag_length/call_id are decoded in the
// sender's byte order so that a big-endian peer still gets a fault with the
// right call id.
std::optional<Header> parse_header(Bytes b);

struct ContextElem {
  uint16_t context_id = 0;
  SyntaxId abstract;
  std::vector<SyntaxId> transfers;
};

struct BindBody {
  uint16_t max_xmit_frag = 0;
  uint16_t max_recv_frag = 0;
  uint32_t assoc_group_id = 0;
  std::vector<ContextElem> contexts;
};

// Cap on presentation contexts per bind; one or two are normal.
constexpr size_t kMaxContextsPerBind = 32;
constexpr size_t kMaxTransfersPerContext = 16;

// pdu is the whole fragment (header included, auth trailer already excluded).
std::optional<BindBody> parse_bind(Bytes pdu);

struct ContextResultEntry {
  uint16_t result = kAcceptance;
  uint16_t reason = 0;
  SyntaxId transfer;  // zero for rejections
};

// bind_ack / alter_context_resp.
std::vector<uint8_t> build_bind_ack(uint8_t ptype, uint32_t call_id, uint16_t max_xmit,
                                    uint16_t max_recv, uint32_t assoc_group,
                                    std::string_view secondary_address,
                                    const std::vector<ContextResultEntry>& results);
std::vector<uint8_t> build_bind_nak(uint32_t call_id, uint16_t reason);
std::vector<uint8_t> build_fault(uint32_t call_id, uint16_t context_id, uint32_t status,
                                 bool did_not_execute);
// One response fragment carrying stub bytes; alloc_hint is the stub bytes
// still to come including this fragment.
std::vector<uint8_t> build_response(uint32_t call_id, uint16_t context_id, uint8_t flags,
                                    uint32_t alloc_hint, Bytes stub);

}  // namespace cifsd::rpc
