#include "common/ipc/lock_proto.h"

namespace cifsd::ipc::master {

void LockRequest::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<LockRequest> LockRequest::decode(Bytes b) { return read_fields<LockRequest>(b); }
void LockCancel::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<LockCancel> LockCancel::decode(Bytes b) { return read_fields<LockCancel>(b); }
void LockCheck::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<LockCheck> LockCheck::decode(Bytes b) { return read_fields<LockCheck>(b); }
void LockGranted::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<LockGranted> LockGranted::decode(Bytes b) { return read_fields<LockGranted>(b); }
void LockState::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<LockState> LockState::decode(Bytes b) { return read_fields<LockState>(b); }
void DurablePark::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<DurablePark> DurablePark::decode(Bytes b) { return read_fields<DurablePark>(b); }
void DurableDrop::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<DurableDrop> DurableDrop::decode(Bytes b) { return read_fields<DurableDrop>(b); }
void DurableReclaim::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<DurableReclaim> DurableReclaim::decode(Bytes b) { return read_fields<DurableReclaim>(b); }
void DurableReclaimAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<DurableReclaimAnswer> DurableReclaimAnswer::decode(Bytes b) { return read_fields<DurableReclaimAnswer>(b); }

}  // namespace cifsd::ipc::master
