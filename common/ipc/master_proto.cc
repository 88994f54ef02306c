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
void NewChannel::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<NewChannel> NewChannel::decode(Bytes b) { return read_fields<NewChannel>(b); }
void Attach::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Attach> Attach::decode(Bytes b) { return read_fields<Attach>(b); }
void Reload::encode(ByteWriter& w) const { write_fields(*this, w); }
std::optional<Reload> Reload::decode(Bytes b) { return read_fields<Reload>(b); }

}  // namespace cifsd::ipc::master
