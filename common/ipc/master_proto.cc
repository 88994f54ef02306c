#include "common/ipc/master_proto.h"

#include "common/ipc/codec.h"

namespace cifsd::ipc::master {

// Each message lists its fields once (fields() in the header); the codec
// in codec.h derives the encoder and the strict decoder from that list.
void Hello::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Hello> Hello::decode(Bytes b) { return read_fields<Hello>(b); }
void HelloAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<HelloAnswer> HelloAnswer::decode(Bytes b) { return read_fields<HelloAnswer>(b); }
void ShareOpen::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<ShareOpen> ShareOpen::decode(Bytes b) { return read_fields<ShareOpen>(b); }
void StatusAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<StatusAnswer> StatusAnswer::decode(Bytes b) { return read_fields<StatusAnswer>(b); }
void ShareClose::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<ShareClose> ShareClose::decode(Bytes b) { return read_fields<ShareClose>(b); }
void DeletePending::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<DeletePending> DeletePending::decode(Bytes b) { return read_fields<DeletePending>(b); }
void NewChannel::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<NewChannel> NewChannel::decode(Bytes b) { return read_fields<NewChannel>(b); }
void Attach::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Attach> Attach::decode(Bytes b) { return read_fields<Attach>(b); }
void Reload::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Reload> Reload::decode(Bytes b) { return read_fields<Reload>(b); }

void CachingOpen::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<CachingOpen> CachingOpen::decode(Bytes b) { return read_fields<CachingOpen>(b); }
void CachingOpenAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<CachingOpenAnswer> CachingOpenAnswer::decode(Bytes b) { return read_fields<CachingOpenAnswer>(b); }
void OplockAck::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<OplockAck> OplockAck::decode(Bytes b) { return read_fields<OplockAck>(b); }
void LevelAnswer::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<LevelAnswer> LevelAnswer::decode(Bytes b) { return read_fields<LevelAnswer>(b); }
void LeaseAck::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<LeaseAck> LeaseAck::decode(Bytes b) { return read_fields<LeaseAck>(b); }
void OplockBreakNote::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<OplockBreakNote> OplockBreakNote::decode(Bytes b) { return read_fields<OplockBreakNote>(b); }
void LeaseBreakNote::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<LeaseBreakNote> LeaseBreakNote::decode(Bytes b) { return read_fields<LeaseBreakNote>(b); }
void IdNote::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<IdNote> IdNote::decode(Bytes b) { return read_fields<IdNote>(b); }

}  // namespace cifsd::ipc::master
